import Synchronization

/// A client connection handed to a ``Server`` handler: the socket, the peer, and
/// I/O that counts as activity for the server's idle timeout.
///
/// The server owns the socket: it closes it when the handler returns.
public struct Connection: Sendable {
    /// The connected socket.
    public var socket: Socket { state.socket }
    /// The client's address.
    public let peer: SocketAddress
    let state: ConnectionState

    /// Reads into `buffer`; 0 at end of stream (see ``Socket/read(into:deadline:)``).
    public func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        state.touch()
        defer { state.touch() }
        return try await state.socket.read(into: buffer)
    }

    /// Reads up to `maximumBytes`; empty at end of stream.
    public func read(upTo maximumBytes: Int) async throws -> [UInt8] {
        state.touch()
        defer { state.touch() }
        return try await state.socket.read(upTo: maximumBytes)
    }

    /// Reads exactly `count` bytes (throws `unexpectedEndOfStream` if the stream ends first).
    public func read(exactly count: Int) async throws -> [UInt8] {
        state.touch()
        defer { state.touch() }
        return try await state.socket.read(exactly: count)
    }

    /// Writes every byte, suspending while the client is slow to read.
    public func write(_ buffer: UnsafeRawBufferPointer) async throws {
        state.touch()
        defer { state.touch() }
        try await state.socket.write(buffer)
    }

    /// Writes every byte, suspending while the client is slow to read.
    public func write(_ bytes: some Collection<UInt8>) async throws {
        state.touch()
        defer { state.touch() }
        try await state.socket.write(bytes)
    }

    /// Whether the server closed this connection for being idle too long.
    public var isTimedOut: Bool { state.idledOut.load(ordering: .relaxed) }
}

/// What the server tracks per open connection.
final class ConnectionState: StreamActivity {
    let socket: Socket
    /// The server's table (and reactor) the connection belongs to.
    let table: Int
    let lastActive = Atomic<Int64>(Syscall.coarseMonotonicMilliseconds())
    let idledOut = Atomic<Bool>(false)

    init(socket: Socket, table: Int) {
        self.socket = socket
        self.table = table
    }

    @inline(__always)
    package func touch() {
        lastActive.store(Syscall.coarseMonotonicMilliseconds(), ordering: .relaxed)
    }
}
