import Framing
import Sockets

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The client side of the `exec` and `files` protocols, blocking: sends JSON-header
/// requests and reads responses whose bodies are streamed in chunks, never held whole.
///
/// Python: `s.sendall(struct.pack('>I', len(h)) + h)`, then
/// `h = json.loads(s.recv(struct.unpack('>I', s.recv(4))[0]))` and `recv` until
/// `h['size']` bytes have arrived.
final class JSONHeaderClient {
    /// The size of the body chunks read and written.
    static let chunkSize = 256 * 1024

    /// The server's address, for messages.
    let address: String
    /// The protocol the server is expected to speak, for messages: `files` or `exec`.
    let protocolName: String
    private let connection: ClientConnection
    private var socket: Socket { connection.socket }
    private let input: BufferedSocket
    private let trace: ConnectionTrace

    /// Connects to a server.
    ///
    /// - Parameters:
    ///   - address: The server: `HOST:PORT`, `[IPV6]:PORT` or `unix:PATH`.
    ///   - protocolName: What it should speak (`files`, `exec`), named when it does not.
    ///   - options: `-v`, `-w`, `--source`, `-4`/`-6`.
    ///   - hex: `--hex`: what is sent and received is dumped on stderr (TLS: the plain text).
    ///   - tls: The TLS options (`--tls`: the handshake is done here).
    /// - Throws: ``SocketError`` when the connection fails, ``CommandFailure`` when the handshake does.
    init(
        connectingTo address: String, speaking protocolName: String, options: ConnectionOptions, hex: HexFlag,
        tls: TLSClientOptions
    ) throws {
        self.address = address
        self.protocolName = protocolName
        let trace = options.makeTrace(hex: hex.hex)
        self.trace = trace
        let socket = try options.connect(to: address, trace: trace)
        let connection: ClientConnection
        do {
            connection = try tls.wrap(socket, address: address)
        } catch {
            socket.close()
            throw error
        }
        self.connection = connection
        input = BufferedSocket(connection.socket, chunkSize: Self.chunkSize) { buffer throws(SocketError) in
            let count = try connection.recv(into: buffer)
            trace.received(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            return count
        }
    }

    deinit {
        trace.closing(socket)
        socket.close()
    }

    /// Sends a request header; a body of the header's `size` must follow with
    /// ``sendBody(_:)``.
    func send(header: some Encodable) throws {
        var bytes: [UInt8] = []
        try LengthPrefixedEncoder(.length).encode(try JSONHeaderMessage(header: header).header, into: &bytes)
        try bytes.withUnsafeBytes { buffer throws in
            trace.sent(buffer)
            try connection.sendAll(buffer)
        }
    }

    /// Sends body bytes.
    func sendBody(_ bytes: UnsafeRawBufferPointer) throws(SocketError) {
        trace.sent(bytes)
        try connection.sendAll(bytes)
    }

    /// Whether the server has sent something (or closed) already, before the request's
    /// body is complete: a server refuses a put early, then stops reading.
    var responseArrived: Bool {
        input.bufferedCount > 0 || connection.hasInput
    }

    /// Reads a response header.
    ///
    /// - Returns: The decoded header and the length of the body that follows.
    /// - Throws: ``CommandFailure`` when the server closes the connection or sends
    ///   something that is not such a header (`the server at ADDR does not speak the
    ///   files protocol`: it is probably another service); ``SocketError`` when reading fails.
    func receiveHeader<Header: Decodable>(_ type: Header.Type) throws -> (header: Header, bodyLength: Int) {
        do {
            let prefix = try input.read(exactly: 4)
            let length = prefix.reduce(0) { $0 << 8 | Int($1) }
            // Another service's greeting or echo: `Welc` would announce a 1466264675-byte header.
            guard length <= JSONHeaderMessage.maximumHeaderLength else { throw notThisProtocol }
            let header = try input.read(exactly: length)
            let bodyLength = try JSONHeaderMessage.bodyLength(ofHeader: header, maximumBodyLength: .max)
            return (try JSONHeaderMessage(header: header).decodeHeader(type), bodyLength)
        } catch let error as SocketError where error.kind == .unexpectedEndOfStream {
            throw CommandFailure("\(address): the server closed the connection")
        } catch is FramingError, is DecodingError {
            throw notThisProtocol
        }
    }

    /// The failure for a response that is not this protocol's.
    private var notThisProtocol: CommandFailure {
        CommandFailure("the server at \(address) does not speak the \(protocolName) protocol")
    }

    /// Reads `count` body bytes, handing them to `consume` chunk by chunk: first what
    /// the header's reads buffered, then straight from the socket, never past the body.
    ///
    /// - Throws: ``CommandFailure`` when the server closes the connection first, or
    ///   what reading or `consume` throws.
    func readBody(count: Int, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        var remaining = count
        if input.bufferedCount > 0 && remaining > 0 {
            let buffered = try input.read(upTo: min(remaining, input.bufferedCount))
            try buffered.withUnsafeBytes(consume)
            remaining -= buffered.count
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while remaining > 0 {
            let received = try connection.recv(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(remaining, buffer.count)]))
            guard received > 0 else {
                throw CommandFailure("\(address): the server closed the connection after \(count - remaining) of \(count) bytes")
            }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<received])
            trace.received(bytes)
            try consume(bytes)
            remaining -= received
        }
    }
}
