import COpenSSL
import CSocketsTLS
import SocketsCore
import SocketsReactor
import SocketsSystem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A TLS connection over a connected stream ``Socket`` (OpenSSL's `SSL`), async and blocking.
///
/// Made by ``TLSContext/wrap(_:serverName:)``. It reads and writes through the socket's
/// non-blocking descriptor: when OpenSSL wants to read or write and the kernel says
/// `EAGAIN`, an async call parks on the socket's reactor registration until the socket
/// is ready, and a blocking call waits with `poll` as the socket's ``Socket/timeout``
/// says — it never retries in a loop. Bytes go from OpenSSL straight into the caller's
/// buffer and from it.
///
/// One read and one write may run at once from different tasks (each OpenSSL call is
/// made under a lock, for the instant it takes). ``close()`` closes the socket.
///
/// Python: `ssl.SSLSocket` (from `context.wrap_socket`).
public final class TLSSocket: Sendable {
    /// The socket underneath; its descriptor carries the TLS records.
    public let socket: Socket
    /// The context the connection was made with.
    public let context: TLSContext
    /// The name the client checks the server's certificate against (and sends as SNI).
    public let serverName: String?
    /// The peer's address, for error messages.
    let peer: SocketAddress?
    /// A client's key for resuming sessions: the server name and address.
    let sessionKey: String?
    /// OpenSSL's connection object; every call on it holds this lock.
    let connection: LockedValue<OpaquePointer>
    /// A failure met while reading on after data already read: the next read throws it
    /// (and every read after it).
    let deferredReadFailure = LockedValue<(any Error)?>(nil)

    init(socket: Socket, context: TLSContext, serverName: String?) throws(TLSError) {
        self.socket = socket
        self.context = context
        self.serverName = serverName
        let peer = try? socket.peerAddress()
        self.peer = peer
        self.sessionKey =
            context.configuration.role == .client && context.configuration.resumesSessions
            ? "\(serverName ?? "")|\(peer.map { "\($0)" } ?? "")" : nil
        guard let ssl = SSL_new(context.context) else {
            throw TLSError.fromQueue(operation: "tls wrap", address: peer, ssl: nil, fallback: "SSL_new failed")
        }
        guard socket.fileDescriptor >= 0, let bio = csockets_tls_socket_bio(socket.fileDescriptor) else {
            SSL_free(ssl)
            throw TLSError(.invalidConfiguration, operation: "tls wrap", address: peer, reason: "the socket is closed")
        }
        SSL_set_bio(ssl, OpaquePointer(bio), OpaquePointer(bio))
        connection = LockedValue(ssl)
        if context.configuration.role == .client {
            SSL_set_connect_state(ssl)
            if let serverName { try Self.setServerName(serverName, on: ssl, verifying: context.configuration.verifiesPeer) }
            // For the new-session callback, which runs only inside calls on this object.
            _ = SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
            if let sessionKey { context.offerSession(for: sessionKey, on: ssl) }
        } else {
            SSL_set_accept_state(ssl)
        }
    }

    deinit {
        connection.withLock { SSL_free($0) }
    }

    /// SNI and the name the certificate must carry: an IP address is checked against the
    /// certificate's IP addresses and not sent as SNI (RFC 6066), a name is both.
    private static func setServerName(_ name: String, on ssl: OpaquePointer, verifying: Bool) throws(TLSError) {
        let isAddress = IPv4Address(name) != nil || IPv6Address(name) != nil
        if !isAddress { _ = copenssl_set_server_name(ssl, name) }
        guard verifying else { return }
        let parameters = SSL_get0_param(ssl)
        let accepted =
            isAddress ? X509_VERIFY_PARAM_set1_ip_asc(parameters, name) : X509_VERIFY_PARAM_set1_host(parameters, name, 0)
        guard accepted == 1 else { throw TLSError.configuration("server name \(name)") }
    }

    /// Closes the socket without close_notify (see ``shutdown(deadline:)`` for a clean end).
    ///
    /// Python: `SSLSocket.close`.
    public func close() {
        socket.close()
    }

    /// What one OpenSSL call came to.
    enum Step<Value> {
        case done(Value)
        /// Done, but records it wrote are still to be sent (the socket was full): wait
        /// until it is writable and ``flushStep(_:)`` until that is true.
        case unflushed(Value)
        case wantRead
        case wantWrite
    }

    /// Makes one OpenSSL call under the lock and sorts out its result. Call while
    /// holding the socket's descriptor (so that its number cannot be reused meanwhile).
    ///
    /// When a `recv` made by the call drains the socket, the reactor `registration` learns
    /// that it was drained at `readSequence` (noted before the call), as a plain socket
    /// read tells it; with `parkIfDrained` a read then returns `wantRead` without a system
    /// call until the next event, unless OpenSSL holds bytes not yet processed.
    ///
    /// After the call the records written so far are sent; when the socket is full, a
    /// write returns ``Step/unflushed(_:)`` or `wantWrite` to wait for room, but a read
    /// (`isRead`) does not wait: a writer may be waiting for room at the same time, and a
    /// reader that waited for it too could keep both ends from reading.
    ///
    /// - Parameters:
    ///   - isRead: The call reads (`SSL_read_ex`, `SSL_peek_ex`).
    ///   - call: Returns OpenSSL's result code (positive: success) and the value.
    ///   - endOfStream: The value for `SSL_ERROR_ZERO_RETURN` (the peer's close_notify), or
    ///     nil when that is a failure for this operation.
    /// - Throws: ``TLSError`` or `SocketError`, boxed: this is called from async loops,
    ///   whose frames must not hold an error value.
    @inline(never)
    func step<Value>(
        _ operation: String, endOfStream: Value? = nil, registration: ReactorRegistration? = nil,
        readSequence: UInt64 = 0, parkIfDrained: Bool = false, isRead: Bool = false,
        _ call: (OpaquePointer) -> (Int32, Value)
    ) throws -> Step<Value> {
        try connection.withLock { ssl throws -> Step<Value> in
            // A close_notify that an earlier read took in behind its data is reported now.
            if parkIfDrained, let registration, registration.isDrained(at: readSequence), SSL_has_pending(ssl) == 0,
                SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN == 0
            {
                csockets_tls_release_idle(UnsafeMutableRawPointer(ssl))
                return .wantRead
            }
            // SSL_get_error needs an empty queue; looking is cheaper than clearing all its slots.
            if ERR_peek_error() != 0 { ERR_clear_error() }
            errno = 0
            let (result, value) = call(ssl)
            let savedErrno = errno
            // Taken after every call, so that it only ever speaks of this call's reads.
            if csockets_tls_take_drained(UnsafeMutableRawPointer(ssl)) == 1, let registration {
                registration.drainedAtReadSequence.store(readSequence, ordering: .relaxed)
            }
            // What the call wrote goes out now, with one `send` however many records it made.
            var flushed = csockets_tls_flush(UnsafeMutableRawPointer(ssl))
            // A read leaves a failure to send to the writes, which report it.
            if isRead { flushed = 1 }
            if flushed < 0 { throw SocketError(operation, errno: Errno(rawValue: errno), address: peer) }
            if result > 0 { return flushed == 1 ? .done(value) : .unflushed(value) }
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ:
                // Records not yet sent may be what the peer waits for before it writes.
                guard flushed == 1 else { return .wantWrite }
                // About to wait for the peer: the send memory goes, if empty, until there is more to send.
                csockets_tls_release_idle(UnsafeMutableRawPointer(ssl))
                return .wantRead
            case SSL_ERROR_WANT_WRITE:
                return .wantWrite
            case SSL_ERROR_ZERO_RETURN:
                if let endOfStream { return flushed == 1 ? .done(endOfStream) : .unflushed(endOfStream) }
                throw TLSError(.protocolFailure, operation: operation, address: peer, reason: "the peer sent close_notify")
            case let code:
                throw failure(code, errno: savedErrno, operation: operation, ssl: ssl)
            }
        }
    }

    /// The error for an OpenSSL call on `ssl` that failed with `code` (`SSL_get_error`),
    /// neither a wait nor close_notify; `savedErrno` is `errno` right after the call.
    func failure(_ code: Int32, errno savedErrno: Int32, operation: String, ssl: OpaquePointer) -> any Error {
        switch code {
        case SSL_ERROR_SYSCALL where savedErrno != 0:
            ERR_clear_error()
            return SocketError(operation, errno: Errno(rawValue: savedErrno), address: peer)
        case SSL_ERROR_SYSCALL:
            return TLSError(
                .truncated, operation: operation, address: peer,
                reason: "truncated: the peer closed the connection without close_notify")
        default:
            return TLSError.fromQueue(operation: operation, address: peer, ssl: ssl)
        }
    }

    /// The most bytes one write call encrypts: four full records, sent with one `send`.
    static let writeChunk = 64 * 1024

    /// `SSL_write_ex` of up to ``writeChunk`` bytes of `buffer`, record after record (with
    /// `SSL_MODE_ENABLE_PARTIAL_WRITE` each call writes one); the socket BIO keeps them and
    /// the flush after the call sends them together. Returns OpenSSL's result and the count.
    static func writeRecords(_ ssl: OpaquePointer, _ buffer: UnsafeRawBufferPointer) -> (Int32, Int) {
        guard let base = buffer.baseAddress else { return (1, 0) }
        let limit = min(buffer.count, writeChunk)
        var total = 0
        var result: Int32 = 1
        while total < limit {
            var count = 0
            result = SSL_write_ex(ssl, base + total, limit - total, &count)
            guard result > 0 else { break }
            total += count
        }
        // A failure after some records were written comes back on the next call.
        return (total > 0 ? 1 : result, total)
    }

    /// `SSL_read_ex` into `buffer`, then on while records keep coming (OpenSSL gives one
    /// record per call) until the buffer is full or the socket is drained, so that a read
    /// returns all that has arrived. A failure after the first record (a bad record, a
    /// reset, the end without close_notify) is kept for the next read, since this one
    /// returns data. Call under the connection's lock. Returns OpenSSL's result and the count.
    func readRecords(_ ssl: OpaquePointer, _ buffer: UnsafeMutableRawBufferPointer) -> (Int32, Int) {
        guard let base = buffer.baseAddress else { return (1, 0) }
        var count = 0
        let result = SSL_read_ex(ssl, base, buffer.count, &count)
        guard result > 0, count < buffer.count else { return (result, count) }
        var more = 0
        let last = csockets_tls_read_more(UnsafeMutableRawPointer(ssl), base + count, buffer.count - count, &more)
        let savedErrno = errno
        if last <= 0 {
            switch SSL_get_error(ssl, last) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE, SSL_ERROR_ZERO_RETURN:
                // Drained, or close_notify, which the next read reports again as 0.
                break
            case let code:
                let error = failure(code, errno: savedErrno, operation: "tls read", ssl: ssl)
                deferredReadFailure.withLock { $0 = error }
            }
        }
        return (1, count + more)
    }

    /// Throws the failure ``readRecords(_:_:)`` kept, if any (boxed, for async callers).
    @inline(never)
    func throwDeferredReadFailure() throws {
        if let failure = deferredReadFailure.withLock({ $0 }) { throw failure }
    }

    /// Sends the records an earlier call left unsent: true when none is left, false when
    /// the socket is full again. Call while holding the socket's descriptor.
    ///
    /// - Throws: `SocketError` (boxed, as from ``step(_:endOfStream:registration:readSequence:parkIfDrained:isRead:_:)``).
    @inline(never)
    func flushStep(_ operation: String) throws -> Bool {
        try connection.withLock { ssl throws -> Bool in
            switch csockets_tls_flush(UnsafeMutableRawPointer(ssl)) {
            case 1: return true
            case 0: return false
            default: throw SocketError(operation, errno: Errno(rawValue: errno), address: peer)
            }
        }
    }
}
