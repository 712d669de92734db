import Synchronization

/// A client connection handed to a ``Server`` handler: the socket, the peer, and
/// I/O that counts as activity for the server's idle timeout.
///
/// On a server with a ``ServerConfiguration/tls`` context the reads and writes go
/// through ``tls`` (the handshake is done before the handler runs); a handler does not
/// have to know.
///
/// The server owns the socket: it closes it when the handler returns.
public struct Connection: Sendable {
    /// The connected socket (on a TLS server it carries the encrypted records: use the
    /// connection's own reads and writes).
    public var socket: Socket { state.socket }
    /// The TLS connection over ``socket`` on a TLS server, nil otherwise.
    public var tls: TLSSocket? { state.tls }
    /// The client's address.
    public let peer: SocketAddress
    let state: ConnectionState

    /// Reads into `buffer`; 0 at end of stream (see ``Socket/read(into:deadline:)``).
    public func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        state.touch()
        defer { state.touch() }
        if let tls = state.tls { return try await tls.read(into: buffer) }
        return try await state.socket.read(into: buffer)
    }

    /// Reads up to `maximumBytes`; empty at end of stream.
    public func read(upTo maximumBytes: Int) async throws -> [UInt8] {
        state.touch()
        defer { state.touch() }
        if let tls = state.tls { return try await tls.read(upTo: maximumBytes) }
        return try await state.socket.read(upTo: maximumBytes)
    }

    /// Reads exactly `count` bytes (throws `unexpectedEndOfStream` if the stream ends first).
    public func read(exactly count: Int) async throws -> [UInt8] {
        state.touch()
        defer { state.touch() }
        if let tls = state.tls { return try await Self.read(exactly: count, from: tls) }
        return try await state.socket.read(exactly: count)
    }

    private static func read(exactly count: Int, from tls: TLSSocket) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            let chunk = try await tls.read(upTo: count - bytes.count)
            guard !chunk.isEmpty else {
                throw SocketError(
                    .unexpectedEndOfStream, operation: "read",
                    detail: "stream ended after \(bytes.count) of \(count) bytes")
            }
            bytes += chunk
        }
        return bytes
    }

    /// Ends what the server sends (the client reads end of stream) and keeps reading:
    /// close_notify on TLS, then `shutdown(SHUT_WR)`.
    ///
    /// - Throws: `SocketError`, a TLS error.
    public func closeWrite() async throws {
        if let tls = state.tls { try await tls.closeWrite(deadline: .now + .seconds(1)) }
        try state.socket.shutdown(.write)
    }

    /// Writes every byte, suspending while the client is slow to read.
    public func write(_ buffer: UnsafeRawBufferPointer) async throws {
        state.touch()
        defer { state.touch() }
        if let tls = state.tls { return try await tls.write(buffer) }
        try await state.socket.write(buffer)
    }

    /// Writes every byte, suspending while the client is slow to read.
    public func write(_ bytes: some Collection<UInt8>) async throws {
        state.touch()
        defer { state.touch() }
        if let tls = state.tls { return try await tls.write(bytes) }
        try await state.socket.write(bytes)
    }

    /// Whether the server closed this connection for being idle too long.
    public var isTimedOut: Bool { state.idledOut.load(ordering: .relaxed) }
}

/// What the server tracks per open connection.
final class ConnectionState: StreamActivity {
    let socket: Socket
    /// The TLS connection over `socket`, on a TLS server.
    let tls: TLSSocket?
    /// The server's table (and reactor) the connection belongs to.
    let table: Int
    let lastActive = Atomic<Int64>(Syscall.coarseMonotonicMilliseconds())
    /// The socket's input event count when the idle sweep last looked (``isIdle(now:limit:)``).
    private let inputEventsSeen = Atomic<UInt64>(0)
    let idledOut = Atomic<Bool>(false)

    init(socket: Socket, tls: TLSSocket?, table: Int) {
        self.socket = socket
        self.tls = tls
        self.table = table
    }

    @inline(__always)
    package func touch() {
        lastActive.store(Syscall.coarseMonotonicMilliseconds(), ordering: .relaxed)
    }

    /// Whether the connection has been silent for `limit` milliseconds at `now`: nothing
    /// arrived, and nothing was read or written through ``Connection``.
    ///
    /// What arrives is seen here, by the server's idle sweep, from the socket's input event
    /// count: a handler that reads on the reactor (``Connection/echo()``) then touches no
    /// memory of the connection's own per message. A connection is therefore closed up to
    /// one sweep interval later than exactly (an eighth of the timeout, between 20 ms and
    /// a second).
    func isIdle(now: Int64, limit: Int64) -> Bool {
        if let events = socket.inputEventCount, events != inputEventsSeen.load(ordering: .relaxed) {
            inputEventsSeen.store(events, ordering: .relaxed)
            lastActive.store(now, ordering: .relaxed)
            return false
        }
        return now - lastActive.load(ordering: .relaxed) >= limit
    }
}
