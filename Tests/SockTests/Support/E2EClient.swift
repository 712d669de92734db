import Framing
import Sockets

/// A blocking TCP or Unix stream client with a timeout on every call, speaking one framing.
final class E2EClient {
    let socket: Socket
    let framing: Framing
    private var decoder: AnyByteMessageDecoder

    /// Connects to `address` (SPEC §2 text).
    init(_ address: String, framing: Framing = .line, timeout: Duration = E2E.timeout) throws {
        socket = try Socket.connect(to: address, timeout: timeout)
        self.framing = framing
        decoder = framing.makeDecoder(maximumLength: 64 * 1024 * 1024)
    }

    /// Wraps a connected socket.
    init(socket: Socket, framing: Framing = .line, timeout: Duration = E2E.timeout) {
        self.socket = socket
        socket.timeout = timeout
        self.framing = framing
        decoder = framing.makeDecoder(maximumLength: 64 * 1024 * 1024)
    }

    deinit { socket.close() }

    /// Sends one message, framed.
    func send(_ message: [UInt8]) throws {
        var output: [UInt8] = []
        try framing.encode(message, into: &output)
        try socket.sendAll(output)
    }

    /// Sends one text message, framed.
    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends bytes as they are, without framing.
    func sendRaw(_ bytes: [UInt8]) throws { try socket.sendAll(bytes) }

    /// The next message; nil at the end of the stream.
    func receive() throws -> [UInt8]? { try socket.recvMessage(&decoder) }

    /// The next message as text; nil at the end of the stream.
    func receiveText() throws -> String? { try receive().map { String(decoding: $0, as: UTF8.self) } }

    /// `count` bytes, ignoring framing (fewer only if the stream ends; more if the decoder
    /// already held more).
    func receiveRaw(count: Int) throws -> [UInt8] {
        var bytes = decoder.takeBuffered()
        while bytes.count < count {
            let chunk = try socket.recv(count - bytes.count)
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return bytes
    }

    /// Every byte until the server closes, ignoring framing.
    func receiveRawUntilClosed() throws -> [UInt8] {
        var bytes = decoder.takeBuffered()
        while case let chunk = try socket.recv(64 * 1024), !chunk.isEmpty {
            bytes += chunk
        }
        return bytes
    }

    /// Every message until the server closes.
    func receiveAllText() throws -> [String] {
        var messages: [String] = []
        while let message = try receiveText() { messages.append(message) }
        return messages
    }

    /// Whether the server closed the connection (end of stream or reset) within the
    /// timeout, discarding whatever arrives first.
    func isClosedByServer(timeout: Duration = E2E.timeout) -> Bool {
        socket.timeout = timeout
        let deadline = ContinuousClock.now + timeout
        do {
            while try !socket.recv(64 * 1024).isEmpty {
                if ContinuousClock.now >= deadline { return false }
            }
            return true
        } catch {
            return error.kind == .connectionReset
        }
    }

    /// Ends the sending direction (a half-close): the server sees end of stream.
    func finishSending() throws { try socket.shutdown(.write) }

    /// Closes with a reset (`SO_LINGER` 0) instead of an orderly FIN.
    func reset() {
        try? socket.setOption(.linger, .zero)
        socket.close()
    }
}
