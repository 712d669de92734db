import Framing
import Sockets
import TestSupport

/// A blocking client of JSON-header protocols, for tests: sends headers (encoded, or
/// raw bytes) with bodies, and reads whole response messages.
final class JSONHeaderTestClient {
    let socket: Socket
    private var decoder = JSONHeaderDecoder(maximumBodyLength: 64 * 1024 * 1024)

    init(_ address: SocketAddress) throws {
        socket = try Socket(address.family, .stream)
        socket.timeout = testTimeout
        try socket.connect(to: address)
    }

    deinit { socket.close() }

    /// Sends a header encoded from `header` and a body; the header gets `size` when the
    /// body is not empty and the header has none.
    func send(_ header: some Encodable, body: [UInt8] = []) throws {
        let message = try JSONHeaderMessage(header: header, body: body)
        var bytes: [UInt8] = []
        try LengthPrefixedEncoder(.length).encode(message.header, into: &bytes)
        try socket.sendAll(bytes + body)
    }

    /// Sends the raw bytes of a header (its length is prefixed), then `body` as it is.
    func send(rawHeader: String, body: [UInt8] = []) throws {
        var bytes: [UInt8] = []
        try LengthPrefixedEncoder(.length).encode(Array(rawHeader.utf8), into: &bytes)
        try socket.sendAll(bytes + body)
    }

    /// The next response, or `nil` when the server closed the connection.
    func receive() throws -> JSONHeaderMessage? {
        try socket.recvMessage(&decoder)
    }

    /// The next response's header decoded as `type`, and its body.
    func receive<Header: Decodable>(_ type: Header.Type) throws -> (header: Header, body: [UInt8]) {
        guard let message = try receive() else { throw HarnessError("the server closed the connection") }
        return (try message.decodeHeader(type), message.body)
    }

    /// Whether the server closed the connection (after any responses still unread).
    func isClosedByServer() throws -> Bool {
        try receive() == nil
    }
}
