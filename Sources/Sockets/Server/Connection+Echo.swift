extension Connection {
    /// Sends every byte that arrives straight back until the client half-closes
    /// (the `echo` service in raw framing, and the benchmark handler).
    ///
    /// The read buffer starts at 2 KiB, so ten thousand idle clients cost little, and
    /// doubles up to 64 KiB while reads fill it.
    public func echo() async throws {
        var capacity = 2048
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try await read(into: buffer)
            if count == 0 { return }
            try await write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            if count == capacity && capacity < 64 * 1024 {
                capacity *= 2
                buffer.deallocate()
                buffer = .allocate(byteCount: capacity, alignment: 16)
            }
        }
    }
}
