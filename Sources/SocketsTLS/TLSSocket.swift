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
    /// - Parameters:
    ///   - call: Returns OpenSSL's result code (positive: success) and the value.
    ///   - endOfStream: The value for `SSL_ERROR_ZERO_RETURN` (the peer's close_notify), or
    ///     nil when that is a failure for this operation.
    /// - Throws: ``TLSError`` or `SocketError`, boxed: this is called from async loops,
    ///   whose frames must not hold an error value.
    @inline(never)
    func step<Value>(
        _ operation: String, endOfStream: Value? = nil, registration: ReactorRegistration? = nil,
        readSequence: UInt64 = 0, parkIfDrained: Bool = false, _ call: (OpaquePointer) -> (Int32, Value)
    ) throws -> Step<Value> {
        try connection.withLock { ssl throws -> Step<Value> in
            if parkIfDrained, let registration, registration.isDrained(at: readSequence), SSL_has_pending(ssl) == 0 {
                return .wantRead
            }
            ERR_clear_error()
            errno = 0
            let (result, value) = call(ssl)
            let savedErrno = errno
            // Taken after every call, so that it only ever speaks of this call's reads.
            if csockets_tls_take_drained(UnsafeMutableRawPointer(ssl)) == 1, let registration {
                registration.drainedAtReadSequence.store(readSequence, ordering: .relaxed)
            }
            if result > 0 { return .done(value) }
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ:
                return .wantRead
            case SSL_ERROR_WANT_WRITE:
                return .wantWrite
            case SSL_ERROR_ZERO_RETURN:
                if let endOfStream { return .done(endOfStream) }
                throw TLSError(.protocolFailure, operation: operation, address: peer, reason: "the peer sent close_notify")
            case SSL_ERROR_SYSCALL where savedErrno != 0:
                ERR_clear_error()
                throw SocketError(operation, errno: Errno(rawValue: savedErrno), address: peer)
            case SSL_ERROR_SYSCALL:
                throw TLSError(
                    .truncated, operation: operation, address: peer,
                    reason: "truncated: the peer closed the connection without close_notify")
            default:
                throw TLSError.fromQueue(operation: operation, address: peer, ssl: ssl)
            }
        }
    }
}
