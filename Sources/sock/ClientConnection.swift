import Framing
import Sockets

#if canImport(Glibc)
    import Glibc
#endif

/// A client's connection, blocking: the socket, or TLS over it (`--tls`). What `connect`
/// and `chat` read and write goes through here.
final class ClientConnection: Sendable {
    /// The connected socket.
    let socket: Socket
    /// TLS over ``socket``, when `--tls` was given (handshake done).
    let tls: TLSSocket?

    init(socket: Socket, tls: TLSSocket?) {
        self.socket = socket
        self.tls = tls
    }

    /// Sends all of `bytes`.
    func sendAll(_ bytes: some Collection<UInt8>) throws {
        if let tls { return try tls.sendAll(bytes) }
        try socket.sendAll(bytes)
    }

    /// Receives the next message under `decoder`'s framing; nil at a clean end of stream
    /// (on TLS: the server's close_notify). Each chunk received is shown to `trace`.
    ///
    /// - Throws: `FramingError`, `SocketError`, `TLSError` (`truncated` when the server
    ///   drops the connection without close_notify).
    func recvMessage<Decoder: MessageDecoder>(_ decoder: inout Decoder, trace: ConnectionTrace) throws
        -> Decoder.Message?
    {
        if let message = try decoder.next() { return message }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let count = try tls?.recv(into: chunk) ?? socket.recv(into: chunk)
            if count == 0 { return try decoder.finish() }
            let bytes = UnsafeRawBufferPointer(rebasing: chunk[..<count])
            trace.received(bytes)
            decoder.feed(bytes)
            if let message = try decoder.next() { return message }
        }
    }

    /// Receives into `buffer`; 0 at the end of the stream. A TLS failure comes as a
    /// `SocketError` that reads the same (`tls recv ADDR: REASON`), for the callers
    /// that handle socket errors only.
    func recv(into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> Int {
        guard let tls else { return try socket.recv(into: buffer) }
        do {
            return try tls.recv(into: buffer)
        } catch {
            throw Self.socketError(error)
        }
    }

    /// Sends all of `buffer`; TLS failures as in ``recv(into:)``.
    func sendAll(_ buffer: UnsafeRawBufferPointer) throws(SocketError) {
        guard let tls else { return try socket.sendAll(buffer) }
        do {
            try tls.sendAll(buffer)
        } catch {
            throw Self.socketError(error)
        }
    }

    private static func socketError(_ error: any Error) -> SocketError {
        if let error = error as? SocketError { return error }
        guard let error = error as? TLSError else {
            return SocketError(.other, operation: "tls", detail: "\(error)")
        }
        let kind: SocketError.Kind = error.kind == .truncated ? .unexpectedEndOfStream : .other
        return SocketError(kind, operation: error.operation, address: error.address, detail: error.reason)
    }

    /// Whether the server has sent something (or closed) that a read would return now.
    /// On TLS only records with data count: a TLS 1.3 server's session tickets do not.
    var hasInput: Bool {
        if let tls { return tls.isReadable }
        var descriptor = pollfd(fd: socket.fileDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 1 && descriptor.revents != 0
    }

    /// Ends what we send (on TLS: close_notify first); the server's side stays open.
    func closeWrite() throws {
        try tls?.sendCloseNotify()
        try socket.shutdown(.write)
    }
}
