import SocketsReactor
import SocketsSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A socket: one owned file descriptor and every BSD socket call on it.
///
/// The blocking API follows Python's `socket.socket` method by method (each doc
/// comment names its Python and C counterparts); the same object also has async
/// methods that suspend on the reactor instead of blocking a thread.
///
/// Names follow one rule, so that a name can be guessed:
/// - **Blocking calls have Python's names**, camel-cased: `recv`, `recvFrom`,
///   `recvMsg`, `send`, `sendAll`, `sendTo`, `sendMsg`, `connectEx`, and the
///   message-framed `sendMessage`/`recvMessage`. They wait as ``timeout`` says.
/// - **Async calls have Swift's names**: `read`/`write` on streams (`write` always
///   sends everything), `receive`/`send(_:to:)` for datagrams (a datagram is always
///   sent whole), `accept`, `connect`, `messages`/`write(message:)`. They take an
///   absolute `deadline` instead of a timeout.
/// - **Where both exist, the rest is the same**: parameter labels, result shapes
///   (`count`, `address`, `isTruncated`), Booleans named `is…`, limits named
///   `maximum…`. Both throw ``SocketError`` for what the kernel reports; blocking
///   calls declare it (`throws(SocketError)`), async calls may also throw
///   `CancellationError` (and framing calls `FramingError`), so they throw untyped.
///
/// Ownership: the socket owns its descriptor and closes it exactly once — in
/// ``close()`` or when the last reference goes away. After close every call throws
/// ``SocketError/Kind/closed``; operations already running in other threads are
/// woken and the number is released only when the last of them returns, so a
/// reused descriptor number is never touched.
///
/// Internally the descriptor is always in non-blocking mode; blocking and
/// timeouts are implemented with `poll(2)` exactly as Python does for sockets
/// with a timeout. ``timeout`` decides how a call waits.
public final class Socket: Sendable {
    package let descriptor: SharedDescriptor
    /// The address family (Python: `socket.family`).
    public let family: SocketFamily
    /// The socket type (Python: `socket.type`).
    public let type: SocketType
    /// The protocol (Python: `socket.proto`).
    public let `protocol`: SocketProtocol
    /// -1: block without limit; 0: non-blocking; n > 0: wait at most n nanoseconds.
    package let timeoutNanoseconds: Atomic<Int64>
    /// The registration with the reactor, created by the first asynchronous wait.
    let reactorState: InlineLockedValue<ReactorState>
    /// The registration once it exists, readable without a lock; `reactorState` keeps it alive.
    package let registrationCache: Atomic<Unmanaged<ReactorRegistration>?>

    /// Creates a socket.
    ///
    /// - Parameters:
    ///   - family: `.inet` (default), `.inet6` or `.unix`.
    ///   - type: `.stream` (default), `.datagram`, `.seqpacket` or `.raw`.
    ///   - protocol: Usually `.default`; for raw sockets e.g. `.icmp`.
    /// - Throws: ``SocketError``; a raw socket without `CAP_NET_RAW` fails with kind `permissionDenied`.
    ///
    /// The corresponding C function is `socket`; Python: `socket.socket(family, type, proto)`.
    public convenience init(
        _ family: SocketFamily = .inet, _ type: SocketType = .stream, protocol: SocketProtocol = .default
    ) throws(SocketError) {
        let fd = try Syscall.socket(family.rawValue, type.rawValue | Int32(SOCK_NONBLOCK.rawValue), `protocol`.rawValue)
            .get("socket")
        self.init(owning: fd, family: family, type: type, protocol: `protocol`)
    }

    /// Takes ownership of an existing socket descriptor (e.g. one inherited from a parent process).
    ///
    /// The family, type and protocol are read from the descriptor; it is switched to
    /// non-blocking mode internally and the socket starts in blocking mode.
    /// - Throws: ``SocketError`` if `fd` is not a socket; the descriptor is then left open.
    ///
    /// Python: `socket.socket(fileno=fd)`.
    public convenience init(adopting fd: Int32) throws(SocketError) {
        func read(_ name: Int32) throws(SocketError) -> Int32 {
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            try Syscall.getsockopt(fd, SOL_SOCKET, name, &value, &length).get("getsockopt")
            return value
        }
        let family = try read(SO_DOMAIN)
        let type = try read(SO_TYPE)
        let proto = try read(SO_PROTOCOL)
        let flags = try Syscall.fileStatusFlags(fd).get("fcntl")
        try Syscall.setFileStatusFlags(fd, flags | O_NONBLOCK).get("fcntl")
        self.init(
            owning: fd, family: SocketFamily(rawValue: family), type: SocketType(rawValue: type),
            protocol: SocketProtocol(rawValue: proto))
    }

    /// Wraps a descriptor this library just created in non-blocking mode.
    package init(owning fd: Int32, family: SocketFamily, type: SocketType, protocol: SocketProtocol) {
        self.descriptor = SharedDescriptor(fd)
        self.family = family
        self.type = type
        self.protocol = `protocol`
        self.timeoutNanoseconds = Atomic(-1)
        self.reactorState = InlineLockedValue(.unregistered)
        self.registrationCache = Atomic(nil)
    }

    deinit {
        close()
    }

    /// The descriptor number, or -1 once closed (Python: `socket.fileno`).
    ///
    /// Borrowed, not owned: do not close it. The descriptor is in non-blocking mode.
    public var fileDescriptor: Int32 {
        descriptor.isClosed ? -1 : descriptor.raw
    }

    /// Whether ``close()`` (or ``detach()``) has been called.
    public var isClosed: Bool { descriptor.isClosed }

    /// Closes the socket. Later calls throw `closed`; calling it again does nothing.
    ///
    /// Calls blocked on this socket in other threads or tasks are woken and throw
    /// `closed`; the descriptor is released when the last of them has returned.
    ///
    /// The corresponding C function is `close`; Python: `socket.close`.
    public func close() {
        _ = descriptor.close { inUse in
            deregisterFromReactor()
            if inUse { _ = Syscall.shutdown(descriptor.raw, Int32(SHUT_RDWR)) }
        }
    }

    /// Gives up ownership of the descriptor and returns it, leaving the socket closed.
    ///
    /// The descriptor is put back in blocking mode if the socket was in blocking mode.
    /// - Throws: `closed` if already closed, `invalidArgument` while another call is using it.
    ///
    /// Python: `socket.detach`.
    public func detach() throws(SocketError) -> Int32 {
        guard !descriptor.isClosed else { throw SocketError(.closed, operation: "detach") }
        guard let fd = descriptor.detach() else {
            throw SocketError(.invalidArgument, operation: "detach", detail: "socket is in use by another call")
        }
        deregisterFromReactor(keepingDescriptor: true)
        if timeoutNanoseconds.load(ordering: .relaxed) < 0, case .success(let flags) = Syscall.fileStatusFlags(fd) {
            _ = Syscall.setFileStatusFlags(fd, flags & ~O_NONBLOCK)
        }
        return fd
    }

    /// Runs `body` with the descriptor, which stays open until `body` returns.
    ///
    /// - Throws: `closed` if the socket is closed.
    @inline(__always)
    package func withDescriptor<R>(
        _ operation: String, _ address: SocketAddress? = nil,
        _ body: (Int32) throws(SocketError) -> R
    ) throws(SocketError) -> R {
        guard descriptor.acquire() else { throw SocketError(.closed, operation: operation, address: address) }
        defer { descriptor.release() }
        return try body(descriptor.raw)
    }
}

extension Socket: CustomStringConvertible {
    /// `Socket(fd 5, inet stream, 127.0.0.1:8080 -> 127.0.0.1:50000)`.
    public var description: String {
        guard !isClosed else { return "Socket(closed, \(family) \(type))" }
        var text = "Socket(fd \(descriptor.raw), \(family) \(type)"
        if let local = try? localAddress() { text += ", \(local)" }
        if let peer = try? peerAddress() { text += " -> \(peer)" }
        return text + ")"
    }
}
