import Sockets

/// `echo` (seeds 003/004): every byte straight back, in raw framing.
public enum EchoService {
    /// Copies what arrives back to the client until it half-closes.
    ///
    /// The read buffer starts small (so ten thousand idle clients cost little) and
    /// doubles, up to 64 KiB, whenever a read fills it.
    public static func serve(_ connection: Connection) async throws {
        var buffer = GrowingBuffer()
        defer { buffer.deallocate() }
        while true {
            let count = try await connection.read(into: buffer.memory)
            if count == 0 { return }
            try await connection.write(UnsafeRawBufferPointer(rebasing: buffer.memory[..<count]))
            buffer.grow(ifFilledBy: count)
        }
    }
}

/// A read buffer that starts at 2 KiB and doubles up to 64 KiB while reads fill it.
struct GrowingBuffer {
    private(set) var memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
    static let maximum = 64 * 1024

    mutating func grow(ifFilledBy count: Int) {
        guard count == memory.count, memory.count < Self.maximum else { return }
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: memory.count * 2, alignment: 16)
        memory.deallocate()
        memory = larger
    }

    func deallocate() { memory.deallocate() }
}
