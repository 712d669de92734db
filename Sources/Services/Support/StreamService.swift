import Framing
import Sockets

/// A service that serves one stream connection at a time per call; the ``Server``
/// runs one call per connection.
public protocol StreamService: Sendable {
    /// Serves `connection` until the client is done; the server then closes it.
    func serve(_ connection: Connection) async throws
}

/// Reads messages under `framing`, answers each with the messages `reply` returns
/// (nil ends the conversation), and after the client half-closes sends what is owed
/// and returns. Malformed input gets one error message where the framing can carry
/// one (`! message too large: …`), then the connection ends.
func serveMessages(
    _ connection: Connection, framing: Framing, maximumLength: Int?,
    reply: ([UInt8]) throws -> [[UInt8]]?
) async throws {
    var output: [UInt8] = []
    do {
        for try await message in connection.messages(framing.makeDecoder(maximumLength: maximumLength)) {
            guard let replies = try reply(message) else { return }
            output.removeAll(keepingCapacity: true)
            for reply in replies { try framing.encode(reply, into: &output) }
            try await connection.write(output)
        }
    } catch let error as FramingError {
        guard framing != .raw else { throw error }
        output.removeAll()
        try? framing.encode(Array("! \(error)".utf8), into: &output)
        try? await connection.write(output)
        throw error
    }
}
