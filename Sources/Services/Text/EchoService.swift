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
            try await connection.echo()
        } else {
            try await serveMessages(connection, framing: framing, maximumLength: maximumLength) { [$0] }
        }
    }
}
