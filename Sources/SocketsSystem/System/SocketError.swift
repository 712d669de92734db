import CSockets
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// An error from a socket operation: what was attempted, on which address, and
/// what the kernel said.
///
/// Match on ``kind`` for the cases a caller handles (`catch let error as SocketError
/// where error.kind == .timedOut`); print it for a person
/// (`connect 127.0.0.1:9: connection refused`).
public struct SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The categories a caller usually wants to tell apart.
    public enum Kind: Sendable, Hashable {
        /// A timeout set with ``Socket/timeout`` or a deadline expired (Python: `TimeoutError`).
        case timedOut
        /// Nobody listens at the address (`ECONNREFUSED`; Python: `ConnectionRefusedError`).
        case connectionRefused
        /// The peer reset the connection (`ECONNRESET`, `EPIPE`; Python: `ConnectionResetError`, `BrokenPipeError`).
        case connectionReset
        /// The connection was aborted locally (`ECONNABORTED`; Python: `ConnectionAbortedError`).
        case connectionAborted
        /// The address is taken (`EADDRINUSE`).
        case addressInUse
        /// The address is not available on this host (`EADDRNOTAVAIL`).
        case addressNotAvailable
        /// The socket is non-blocking and the operation would block (Python: `BlockingIOError`).
        case wouldBlock
        /// The socket was closed; it cannot be used again.
        case closed
        /// The operation needs privileges the process lacks (`EPERM`, `EACCES`; e.g. raw sockets).
        case permissionDenied
        /// The process or the system ran out of descriptors or memory (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`).
        case resourceExhausted
        /// The host or network is unreachable (`EHOSTUNREACH`, `ENETUNREACH`).
        case unreachable
        /// A name could not be resolved (getaddrinfo failed).
        case nameResolution
        /// An argument was invalid (a malformed address string, an option value out of range).
        case invalidArgument
        /// The operation was cancelled (async operations only).
        case cancelled
        /// The peer sent more than the caller's maximum (a line or a stream too long).
        case messageTooLarge
        /// The stream ended before the bytes the caller needed arrived.
        case unexpectedEndOfStream
        /// Any other failure; see ``SocketError/errno``.
        case other
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// The operation that failed, named after its C function (`connect`, `recv`, `getaddrinfo`).
    public var operation: String
    /// The errno the kernel returned, when there was one.
    public var errno: Errno?
    /// The address involved, when there was one.
    public var address: SocketAddress?
    /// A text for errors that have no errno (e.g. a getaddrinfo message or a parse error).
    public var detail: String?

    /// Creates an error from a kernel errno; the ``kind`` is derived from it.
    public init(_ operation: String, errno: Errno, address: SocketAddress? = nil) {
        self.kind = Kind(errno)
        self.operation = operation
        self.errno = errno
        self.address = address
        self.detail = nil
    }

    /// Creates an error without an errno.
    public init(_ kind: Kind, operation: String, address: SocketAddress? = nil, detail: String? = nil) {
        self.kind = kind
        self.operation = operation
        self.errno = nil
        self.address = address
        self.detail = detail
    }

    /// The errno's symbolic name, e.g. `ECONNREFUSED` (C: `strerrorname_np`).
    public var errnoName: String? {
        guard let errno, let name = csockets_errno_name(errno.rawValue) else { return nil }
        return String(cString: name)
    }

    /// `OPERATION [ADDRESS]: reason`, e.g. `connect 127.0.0.1:9: connection refused`.
    public var description: String {
        var text = operation
        if let address { text += " \(address)" }
        text += ": " + reason
        return text
    }

    /// The human part of the message: the errno text in lower case, or the detail.
    public var reason: String {
        if let detail { return detail }
        if let errno {
            let text = errno.description
            guard let first = text.first else { return text }
            return first.lowercased() + text.dropFirst()
        }
        switch kind {
        case .timedOut: return "timed out"
        case .closed: return "socket is closed"
        case .wouldBlock: return "operation would block"
        case .cancelled: return "cancelled"
        case .messageTooLarge: return "message too large"
        case .unexpectedEndOfStream: return "connection closed before the message was complete"
        default: return "failed"
        }
    }
}

extension SocketError.Kind {
    /// Classifies an errno.
    package init(_ errno: Errno) {
        switch errno {
        case .timedOut: self = .timedOut
        case .connectionRefused: self = .connectionRefused
        case .connectionReset, .brokenPipe: self = .connectionReset
        case .connectionAbort: self = .connectionAborted
        case .addressInUse: self = .addressInUse
        case .addressNotAvailable: self = .addressNotAvailable
        case .resourceTemporarilyUnavailable, .nowInProgress, .alreadyInProcess: self = .wouldBlock
        case .badFileDescriptor: self = .closed
        case .notPermitted, .permissionDenied: self = .permissionDenied
        case .tooManyOpenFiles, .tooManyOpenFilesInSystem, .noBufferSpace, .noMemory: self = .resourceExhausted
        case .noRouteToHost, .networkUnreachable, .hostIsDown, .networkDown: self = .unreachable
        case .invalidArgument: self = .invalidArgument
        default: self = .other
        }
    }
}

extension Result where Failure == Errno {
    /// Turns the errno into a ``SocketError`` naming the operation and address.
    @inlinable @inline(__always)
    package func get(_ operation: String, _ address: SocketAddress? = nil) throws(SocketError) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let errno): throw SocketError(operation, errno: errno, address: address)
        }
    }
}
