import SocketsReactor
import SocketsSystem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// How long each blocking call may wait: nil blocks without limit, zero makes the
    /// socket non-blocking, a positive duration makes a call throw `timedOut` after it.
    ///
    /// A new socket has no timeout (blocking). Setting a negative duration traps.
    /// Python: `socket.settimeout` / `socket.gettimeout`.
    public var timeout: Duration? {
        get {
            let nanoseconds = timeoutNanoseconds.load(ordering: .relaxed)
            return nanoseconds < 0 ? nil : .nanoseconds(nanoseconds)
        }
        set {
            guard let newValue else {
                timeoutNanoseconds.store(-1, ordering: .relaxed)
                return
            }
            precondition(newValue >= .zero, "a socket timeout cannot be negative")
            let total = newValue.wholeNanoseconds
            timeoutNanoseconds.store(max(total, newValue == .zero ? 0 : 1), ordering: .relaxed)
        }
    }

    /// Switches between blocking (`true`: no timeout) and non-blocking (`false`: timeout zero) mode.
    ///
    /// Python: `socket.setblocking`.
    public func setBlocking(_ blocking: Bool) {
        timeout = blocking ? nil : .zero
    }

    /// Whether calls wait (true unless the timeout is zero). Python: `socket.getblocking`.
    public var isBlocking: Bool { timeoutNanoseconds.load(ordering: .relaxed) != 0 }

    /// Runs a non-blocking system call in the socket's blocking mode: when it reports
    /// `EAGAIN`, waits with `poll` for `events` (up to the timeout) and tries again.
    ///
    /// - Parameter deadline: Shared by multi-step calls (`sendall`); set on the first wait.
    package func blockingCall<R>(
        _ operation: String, events: Int16, address: SocketAddress? = nil,
        deadline: inout ContinuousClock.Instant?,
        _ attempt: (Int32) -> Result<R, Errno>
    ) throws(SocketError) -> R {
        try withDescriptor(operation, address) { fd throws(SocketError) in
            var waited = false
            while true {
                switch attempt(fd) {
                case .success(let value):
                    if waited && descriptor.isClosed { throw SocketError(.closed, operation: operation, address: address) }
                    return value
                case .failure(.resourceTemporarilyUnavailable):
                    try waitUntilReady(fd, events: events, operation: operation, address: address, deadline: &deadline)
                    waited = true
                case .failure(let errno):
                    if descriptor.isClosed { throw SocketError(.closed, operation: operation, address: address) }
                    throw SocketError(operation, errno: errno, address: address)
                }
            }
        }
    }

    /// ``blockingCall(_:events:address:deadline:_:)`` for a single step.
    @inline(__always)
    package func blockingCall<R>(
        _ operation: String, events: Int16, address: SocketAddress? = nil,
        _ attempt: (Int32) -> Result<R, Errno>
    ) throws(SocketError) -> R {
        var deadline: ContinuousClock.Instant?
        return try blockingCall(operation, events: events, address: address, deadline: &deadline, attempt)
    }

    /// Waits until `fd` is ready for `events` according to the timeout mode.
    ///
    /// - Throws: `wouldBlock` in non-blocking mode, `timedOut` past the deadline, `closed`
    ///   if the socket was closed meanwhile.
    package func waitUntilReady(
        _ fd: Int32, events: Int16, operation: String, address: SocketAddress?,
        deadline: inout ContinuousClock.Instant?
    ) throws(SocketError) {
        let mode = timeoutNanoseconds.load(ordering: .relaxed)
        if mode == 0 { throw SocketError(.wouldBlock, operation: operation, address: address) }
        var milliseconds: Int32 = -1
        if mode > 0 {
            let now = ContinuousClock.now
            let end = deadline ?? now.advanced(by: .nanoseconds(mode))
            deadline = end
            guard end > now else { throw SocketError(.timedOut, operation: operation, address: address) }
            milliseconds = now.duration(to: end).roundedUpMilliseconds
        }
        _ = try Syscall.poll(fd, events: events, timeoutMilliseconds: milliseconds).get("poll", address)
        if descriptor.isClosed { throw SocketError(.closed, operation: operation, address: address) }
    }
}
