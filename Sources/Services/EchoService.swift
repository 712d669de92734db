import Framing
import Sockets

/// `echo` (seeds 003/004): every message back unchanged; in raw framing every byte.
public struct EchoService: StreamService {
    /// The framing messages arrive and leave in.
    public let framing: Framing
    /// The longest message accepted (nil: the framing's default).
    public let maximumLength: Int?

    /// Creates the service.
    public init(framing: Framing = .raw, maximumLength: Int? = nil) {
        self.framing = framing
        self.maximumLength = maximumLength
    }

    public func serve(_ connection: Connection) async throws {
        if framing == .raw {
            try await Self.copyBytes(connection)
        } else {
            try await serveMessages(connection, framing: framing, maximumLength: maximumLength) { [$0] }
        }
    }

    /// Copies what arrives back to the client until it half-closes.
    ///
    /// The read buffer starts small (so ten thousand idle clients cost little) and
    /// doubles, up to 64 KiB, whenever a read fills it.
    static func copyBytes(_ connection: Connection) async throws {
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
