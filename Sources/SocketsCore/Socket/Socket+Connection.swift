import SocketsReactor
import SocketsSystem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Binds the socket to a local address (port 0: the kernel picks a free port).
    ///
    /// - Throws: ``SocketError``, e.g. `addressInUse`.
    ///
    /// The corresponding C function is `bind`; Python: `socket.bind(address)`.
    public func bind(to address: SocketAddress) throws(SocketError) {
        try withDescriptor("bind", address) { fd throws(SocketError) in
            try address.withSockAddr { pointer, length throws(SocketError) in
                try Syscall.bind(fd, pointer, length).get("bind", address)
            }
        }
    }

    /// Marks a stream socket as accepting connections.
    ///
    /// - Parameter backlog: The queue of connections not yet accepted (default `SOMAXCONN`).
    ///
    /// The corresponding C function is `listen`; Python: `socket.listen(backlog)`.
    public func listen(backlog: Int = Int(SOMAXCONN)) throws(SocketError) {
        try withDescriptor("listen") { fd throws(SocketError) in
            try Syscall.listen(fd, Int32(clamping: backlog)).get("listen")
        }
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// The new socket is owned by the caller, close-on-exec, and in blocking mode.
    /// - Throws: ``SocketError``; `wouldBlock` or `timedOut` per ``timeout``.
    ///
    /// The corresponding C function is `accept4`; Python: `socket.accept()`.
    public func accept() throws(SocketError) -> (Socket, SocketAddress) {
        try blockingCall("accept", events: Int16(POLLIN)) { fd in acceptOnce(fd) }
    }

    /// Accepts a connection if one is queued, without waiting.
    ///
    /// - Returns: The connection, or `.wouldBlock` when none is queued.
    /// - Throws: ``SocketError`` for real failures (`resourceExhausted` on `EMFILE`, …).
    public func tryAccept() throws(SocketError) -> IOResult<(Socket, SocketAddress)> {
        try withDescriptor("accept") { fd throws(SocketError) in
            try acceptOnce(fd).ioResult.get("accept")
        }
    }

    /// One `accept4`, the new descriptor non-blocking and close-on-exec.
    package func acceptOnce(_ fd: Int32) -> Result<(Socket, SocketAddress), Errno> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                Syscall.accept(fd, address, &length, flags: Int32(SOCK_NONBLOCK.rawValue))
                    .map { ($0, SocketAddress(address, length: length)) }
            }
        }
        return result.map { client, peer in
            let socket = Socket(owning: client, family: family, type: type, protocol: `protocol`)
            return (socket, peer ?? .unix(path: ""))
        }
    }

    /// Connects to `address`, waiting for the handshake per ``timeout``.
    ///
    /// - Throws: ``SocketError``: `connectionRefused`, `timedOut`, `unreachable`, …;
    ///   `wouldBlock` in non-blocking mode while the connection is in progress
    ///   (Python: `BlockingIOError` with `EINPROGRESS`).
    ///
    /// The corresponding C function is `connect`; Python: `socket.connect(address)`.
    public func connect(to address: SocketAddress) throws(SocketError) {
        try withDescriptor("connect", address) { fd throws(SocketError) in
            let started = try address.withSockAddr { pointer, length throws(SocketError) in
                Syscall.connect(fd, pointer, length)
            }
            switch started {
            case .success:
                return
            case .failure(.resourceTemporarilyUnavailable):
                try retryQueuedConnect(fd, to: address)
            case .failure(.nowInProgress), .failure(.interrupted):
                var deadline: ContinuousClock.Instant?
                try waitUntilReady(fd, events: Int16(POLLOUT), operation: "connect", address: address, deadline: &deadline)
                // Poll may also wake for a signal or a spurious event; wait until the handshake is over.
                while case .success(let events) = Syscall.poll(fd, events: Int16(POLLOUT), timeoutMilliseconds: 0),
                    events == 0
                {
                    try waitUntilReady(fd, events: Int16(POLLOUT), operation: "connect", address: address, deadline: &deadline)
                }
                if let error = try pendingError(fd) { throw SocketError("connect", errno: error, address: address) }
            case .failure(let errno):
                throw SocketError("connect", errno: errno, address: address)
            }
        }
    }

    /// Connects like ``connect(to:)`` but returns the failure instead of throwing; nil on success.
    ///
    /// Python: `socket.connect_ex(address)` (which returns an errno, 0 for success).
    public func connectEx(to address: SocketAddress) -> SocketError? {
        do {
            try connect(to: address)
            return nil
        } catch {
            return error
        }
    }

    /// Retries a connect that failed with `EAGAIN` — a Unix-domain listener's queue is
    /// full — until it gets through, the timeout expires or the socket is closed. No poll
    /// event announces room in the queue, so it pauses between attempts (1 ms, growing to 50 ms).
    private func retryQueuedConnect(_ fd: Int32, to address: SocketAddress) throws(SocketError) {
        let mode = timeoutNanoseconds.load(ordering: .relaxed)
        guard mode != 0 else { throw SocketError("connect", errno: .resourceTemporarilyUnavailable, address: address) }
        let deadline = mode > 0 ? ContinuousClock.now.advanced(by: .nanoseconds(mode)) : nil
        var pause = Duration.milliseconds(1)
        while true {
            var wait = pause
            if let deadline {
                let left = ContinuousClock.now.duration(to: deadline)
                guard left > .zero else { throw SocketError(.timedOut, operation: "connect", address: address) }
                wait = min(wait, left)
            }
            // An unconnected Unix stream socket always polls as hung up, so the pause polls
            // no descriptor at all (poll ignores a negative one): a plain sleep.
            _ = Syscall.poll(-1, events: 0, timeoutMilliseconds: wait.roundedUpMilliseconds)
            if descriptor.isClosed { throw SocketError(.closed, operation: "connect", address: address) }
            let result = try address.withSockAddr { pointer, length throws(SocketError) in
                Syscall.connect(fd, pointer, length)
            }
            switch result {
            case .success: return
            case .failure(.resourceTemporarilyUnavailable), .failure(.interrupted): pause = min(pause * 2, .milliseconds(50))
            case .failure(let errno): throw SocketError("connect", errno: errno, address: address)
            }
        }
    }

    /// Starts a connection without waiting for it (non-blocking connect).
    ///
    /// - Returns: `.completed` if connected at once, `.wouldBlock` while the handshake
    ///   runs: wait for writability, then check ``pendingError()``.
    /// - Throws: ``SocketError``; kind `wouldBlock` (`EAGAIN`) when a Unix-domain
    ///   listener's queue is full and nothing was started: try again later.
    public func startConnect(to address: SocketAddress) throws(SocketError) -> IOResult<Void> {
        try withDescriptor("connect", address) { fd throws(SocketError) in
            let started = try address.withSockAddr { pointer, length throws(SocketError) in
                Syscall.connect(fd, pointer, length)
            }
            switch started {
            case .success: return .completed(())
            case .failure(.nowInProgress), .failure(.interrupted):
                return .wouldBlock
            case .failure(let errno): throw SocketError("connect", errno: errno, address: address)
            }
        }
    }

    /// Reads and clears the socket's pending error (`SO_ERROR`), e.g. the outcome of a
    /// non-blocking connect. Nil when there is none.
    ///
    /// Python: `socket.getsockopt(SOL_SOCKET, SO_ERROR)`.
    public func pendingError() throws(SocketError) -> Errno? {
        try withDescriptor("getsockopt") { fd throws(SocketError) in try pendingError(fd) }
    }

    private func pendingError(_ fd: Int32) throws(SocketError) -> Errno? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        try Syscall.getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length).get("getsockopt")
        return value == 0 ? nil : Errno(rawValue: value)
    }

    /// Which directions ``shutdown(_:)`` closes.
    public enum ShutdownDirection: Sendable {
        /// No more receiving (`SHUT_RD`).
        case read
        /// No more sending: the peer reads end of stream (`SHUT_WR`), a half-close.
        case write
        /// Both (`SHUT_RDWR`).
        case both
    }

    /// Shuts down one or both directions of a connection without closing the socket.
    ///
    /// `.write` is the half-close: the peer reads end of stream but can still send.
    /// The corresponding C function is `shutdown`; Python: `socket.shutdown(how)`.
    public func shutdown(_ direction: ShutdownDirection) throws(SocketError) {
        let how: Int32 =
            switch direction {
            case .read: Int32(SHUT_RD)
            case .write: Int32(SHUT_WR)
            case .both: Int32(SHUT_RDWR)
            }
        try withDescriptor("shutdown") { fd throws(SocketError) in
            try Syscall.shutdown(fd, how).get("shutdown")
        }
    }

    /// The address the socket is bound to.
    ///
    /// The corresponding C function is `getsockname`; Python: `socket.getsockname()`.
    public func localAddress() throws(SocketError) -> SocketAddress {
        try withDescriptor("getsockname") { fd throws(SocketError) in
            let (_, address) = try SocketAddress.receiving { pointer, length throws(SocketError) in
                try Syscall.getsockname(fd, pointer, length).get("getsockname")
            }
            return address ?? .unix(path: "")
        }
    }

    /// The address of the connected peer.
    ///
    /// - Throws: ``SocketError`` (`ENOTCONN`) when not connected.
    ///
    /// The corresponding C function is `getpeername`; Python: `socket.getpeername()`.
    public func peerAddress() throws(SocketError) -> SocketAddress {
        try withDescriptor("getpeername") { fd throws(SocketError) in
            let (_, address) = try SocketAddress.receiving { pointer, length throws(SocketError) in
                try Syscall.getpeername(fd, pointer, length).get("getpeername")
            }
            return address ?? .unix(path: "")
        }
    }
}
