extension Connection {
    /// Sends every byte that arrives straight back until the client half-closes
    /// (the `echo` service in raw framing, and the benchmark handler); see
    /// ``Socket/echo()``. Each read counts as activity for the idle timeout.
    public func echo() async throws {
        if let tls = state.tls { return try await echo(over: tls) }
        try await state.socket.echo(activity: state)
    }

    /// ``echo()`` over TLS: decrypted into a buffer, encrypted back from it. The buffer
    /// holds four full records, which one read takes when they have arrived and one
    /// write sends back with one `send`.
    private func echo(over tls: TLSSocket) async throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            state.touch()
            let count = try await tls.read(into: buffer)
            state.touch()
            guard count > 0 else { return }
            try await tls.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }
}
