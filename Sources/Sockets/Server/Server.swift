import Logging
import Synchronization

/// A TCP or Unix stream server: accepts on one or more listening sockets and serves
/// every connection concurrently in its own child task.
///
/// Connections are spread over the reactors of a ``ReactorGroup`` (by default one per
/// core): each accepted connection goes to the next reactor in turn and stays there,
/// its task running on that reactor's thread. The reactors share only what is
/// counted once per connection (the open-connection count); a message touches
/// nothing another reactor uses.
///
/// It survives its clients: a handler's error closes that connection only; past
/// ``ServerConfiguration/maximumConnections`` new connections are closed at once; idle
/// connections are closed; running out of descriptors makes the accept loop back off
/// and retry instead of spinning or exiting. ``shutdown()`` stops accepting, lets
/// connections finish within the grace period, then closes the rest (the `Services`
/// module wires it to SIGINT/SIGTERM through swift-service-lifecycle). Cancelling the
/// task that runs ``run()`` stops it at once, without a grace period.
///
/// ```swift
/// let server = Server(listeners: [try Socket.listen(on: "127.0.0.1:9999")]) { connection in
///     let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
///     defer { buffer.deallocate() }
///     while case let count = try await connection.read(into: buffer), count > 0 {
///         try await connection.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
///     }
/// }
/// try await server.run()
/// ```
public final class Server: Sendable {
    /// Serves one connection; the server closes the socket when it returns or throws.
    public typealias Handler = @Sendable (Connection) async throws -> Void

    /// The listening sockets.
    public let listeners: [Socket]
    /// Limits and timeouts.
    public let configuration: ServerConfiguration
    private let handler: Handler
    private let logger: Logger
    private let reactors: ReactorGroup
    /// The open connections, one table per reactor: a connection is added by the accept
    /// loop and removed by its own reactor, so reactors never contend for one table.
    private let connections: [LockedValue<[ObjectIdentifier: ConnectionState]>]
    /// Open connections over all reactors; checked against the limit on admission.
    private let openCount = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)

    /// Creates a server; nothing happens until ``run()``.
    ///
    /// - Parameters:
    ///   - listeners: Listening stream sockets (``Socket/listen(on:backlog:reusePort:dualStack:)-(String,_,_,_)``).
    ///   - configuration: Limits and timeouts.
    ///   - logger: Connection opened/closed at `.info`, handler errors at `.notice`, accept trouble
    ///     at `.warning`. By default nothing is logged.
    ///   - reactors: The reactors whose threads run the handlers, each connection on one;
    ///     the accept loop of listener *i* runs on reactor *i* modulo their count.
    ///   - handler: Serves one connection.
    public init(
        listeners: [Socket], configuration: ServerConfiguration = ServerConfiguration(),
        logger: Logger = Logger(label: "sockets.server", factory: { _ in SwiftLogNoOpLogHandler() }),
        reactors: ReactorGroup = .shared,
        handler: @escaping Handler
    ) {
        self.listeners = listeners
        self.configuration = configuration
        self.logger = logger
        self.reactors = reactors
        self.connections = reactors.reactors.map { _ in LockedValue([:]) }
        self.handler = handler
    }

    /// How many connections are open.
    public var connectionCount: Int { openCount.load(ordering: .relaxed) }

    /// How many connections are open on each reactor, in the order of the group's
    /// ``ReactorGroup/reactors``.
    public var connectionCountsByReactor: [Int] { connections.map { $0.withLock { $0.count } } }

    /// Serves until ``shutdown()`` and every connection has ended.
    ///
    /// Cancelling the task that runs it ends it at once: it shuts down (the listeners are
    /// closed), the handlers are cancelled rather than given the grace period — a cancelled
    /// task cannot wait — and their connections are closed; it returns when they have.
    public func run() async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                if let idleTimeout = configuration.idleTimeout {
                    group.addTask(executorPreference: reactors.reactors[0]) {
                        await self.closeIdleConnections(after: idleTimeout)
                    }
                }
                await withDiscardingTaskGroup { acceptLoops in
                    for (index, listener) in listeners.enumerated() {
                        // No executor preference, here nor in the connection tasks, which
                        // would inherit it: the task starts on its reactor, which adopts it
                        // again whenever it resumes it (`Reactor.adopting`). Closing the
                        // listener (`shutdown`) ends the owner's wait.
                        let reactor = reactors.reactors[index % reactors.count]
                        try? listener.register(with: reactor)
                        reactor.adopting {
                            acceptLoops.addTask {
                                listener.claimOwnership()
                                await self.acceptLoop(listener, startingAt: index)
                            }
                        }
                    }
                }
                group.cancelAll()
            }
        } onCancel: {
            shutdown()
            // The handlers' waits on their own sockets have no cancellation handlers
            // (see `serve`): end them here.
            for state in openConnections() { state.socket.cancelOwnerWaits() }
        }
    }

    /// Stops accepting and asks open connections to finish: their pending reads see end
    /// of stream, so handlers send what they owe and return. Connections still open
    /// after the grace period are closed. Calling it again does nothing.
    public func shutdown() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for listener in listeners { listener.close() }
        for state in openConnections() {
            try? state.socket.shutdown(.read)
        }
    }

    /// Every open connection, table by table.
    private func openConnections() -> [ConnectionState] {
        connections.flatMap { $0.withLock { Array($0.values) } }
    }

    /// Accepts connections and hands them to the reactors in turn, from `startingAt`
    /// (so that several listeners do not all start with the same reactor); or, spreading
    /// ``ConnectionSpreading/byListener``, all to reactor `startingAt`.
    private func acceptLoop(_ listener: Socket, startingAt first: Int) async {
        var next = first % reactors.count
        let reserve = DescriptorReserve()
        defer { reserve.release() }
        await withDiscardingTaskGroup { group in
            var backoff = configuration.acceptBackoff.lowerBound
            while !stopping.load(ordering: .acquiring) {
                guard reserve.refill() else {
                    guard await pause(backoff) else { break }
                    backoff = min(backoff * 2, configuration.acceptBackoff.upperBound)
                    continue
                }
                let socket: Socket
                let peer: SocketAddress
                do {
                    (socket, peer) = try await listener.accept()
                    backoff = configuration.acceptBackoff.lowerBound
                } catch let error as SocketError where error.kind == .closed {
                    break
                } catch is CancellationError {
                    break
                } catch {
                    if (error as? SocketError)?.kind == .resourceExhausted { reserve.release() }
                    logger.warning("accept failed, retrying in \(backoff)", metadata: ["error": "\(error)"])
                    guard await pause(backoff) else { break }
                    backoff = min(backoff * 2, configuration.acceptBackoff.upperBound)
                    continue
                }
                guard admit() else {
                    logger.notice("connection limit reached, refusing", metadata: ["peer": "\(peer)"])
                    socket.close()
                    continue
                }
                let tls: TLSSocket?
                do {
                    tls = try configuration.tls?.wrap(socket)
                } catch {
                    failed(error, peer: peer)
                    openCount.subtract(1, ordering: .relaxed)
                    socket.close()
                    continue
                }
                let state = ConnectionState(socket: socket, tls: tls, table: next)
                if configuration.spreading == .roundRobin { next = (next + 1) % reactors.count }
                connections[state.table].withLock { $0[ObjectIdentifier(state)] = state }
                if configuration.noDelay && socket.family != .unix { try? socket.setOption(.noDelay, true) }
                // Accepted while shutdown() ran: it may have missed this one, so end its input here.
                if stopping.load(ordering: .acquiring) { try? socket.shutdown(.read) }
                // Started on its reactor without an executor preference, and adopted by it
                // again at every resume (`Reactor.adopting`): three status-record locks fewer
                // per message than with a preference.
                let reactor = reactors.reactors[state.table]
                try? socket.register(with: reactor)
                reactor.adopting { group.addTask { await self.serve(state, peer: peer) } }
            }
            await closeRemaining(group: &group)
        }
    }

    /// Counts a new connection unless the limit is reached.
    private func admit() -> Bool {
        var open = openCount.load(ordering: .relaxed)
        while open < configuration.maximumConnections {
            let (exchanged, current) = openCount.compareExchange(expected: open, desired: open + 1, ordering: .relaxed)
            if exchanged { return true }
            open = current
        }
        return false
    }

    /// Runs the handler for one connection, then closes it.
    ///
    /// Kept to the handler call: the logging and the error handling are synchronous
    /// functions of their own, so that this frame, which every parked connection keeps,
    /// holds only the connection.
    private func serve(_ state: ConnectionState, peer: SocketAddress) async {
        opened(state, peer: peer)
        if let tls = state.tls {
            await serveTLS(state, tls, peer: peer)
        } else {
            do {
                try await handler(Connection(peer: peer, state: state))
            } catch {
                failed(error, peer: peer)
            }
        }
        closed(state, peer: peer)
    }

    /// ``serve(_:peer:)`` on a TLS server: the handshake (within the configuration's
    /// timeout: a client that stalls or speaks something else costs only its own
    /// connection), the handler, then close_notify.
    @inline(never)
    private func serveTLS(_ state: ConnectionState, _ tls: TLSSocket, peer: SocketAddress) async {
        do {
            try await tls.handshake(deadline: .now + configuration.tlsHandshakeTimeout)
        } catch {
            failed(error, peer: peer)
            return
        }
        do {
            try await handler(Connection(peer: peer, state: state))
            try await tls.closeWrite(deadline: .now + .seconds(1))
        } catch {
            failed(error, peer: peer)
        }
    }

    /// The handler's task owns its socket: its waits there install no cancellation handler
    /// each; the server ends them when it cancels the handlers (`run`, `closeRemaining`).
    @inline(never)
    private func opened(_ state: ConnectionState, peer: SocketAddress) {
        state.socket.claimOwnership()
        logger.info("connection opened", metadata: ["peer": "\(peer)"])
    }

    /// Logs a handler's error, unless it only says that the connection ended (a TLS
    /// client that closes without close_notify, as Python's `ssl` sockets do, included).
    @inline(never)
    private func failed(_ error: any Error, peer: SocketAddress) {
        if let error = error as? SocketError, error.kind == .closed || error.kind == .connectionReset { return }
        if let error = error as? TLSError, error.kind == .truncated { return }
        if error is CancellationError { return }
        logger.notice("connection failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
    }

    @inline(never)
    private func closed(_ state: ConnectionState, peer: SocketAddress) {
        connections[state.table].withLock { _ = $0.removeValue(forKey: ObjectIdentifier(state)) }
        openCount.subtract(1, ordering: .relaxed)
        state.socket.close()
        let reason = state.idledOut.load(ordering: .relaxed) ? " (idle timeout)" : ""
        logger.info("connection closed\(reason)", metadata: ["peer": "\(peer)"])
    }

    /// After shutdown: waits out the grace period for connections to end (not when
    /// cancelled), then closes the rest.
    private func closeRemaining(group: inout DiscardingTaskGroup) async {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.gracePeriod)
        while connectionCount > 0 && clock.now < deadline {
            guard await pause(.milliseconds(10)) else { break }
        }
        group.cancelAll()
        for state in openConnections() {
            state.socket.cancelOwnerWaits()
            state.socket.close()
        }
    }

    /// Sleeps for `duration`; false at once if the task is cancelled, where a sleep cannot
    /// wait and a loop that sleeps between retries would spin.
    private func pause(_ duration: Duration) async -> Bool {
        do {
            try await Task.sleep(for: duration)
            return true
        } catch {
            return false
        }
    }

    private func closeIdleConnections(after idleTimeout: Duration) async {
        let limit = idleTimeout.wholeMilliseconds
        let interval = min(max(idleTimeout / 8, .milliseconds(20)), .seconds(1))
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let now = Syscall.coarseMonotonicMilliseconds()
            let idle = connections.flatMap { table in
                table.withLock { open in open.values.filter { $0.isIdle(now: now, limit: limit) } }
            }
            for state in idle {
                state.idledOut.store(true, ordering: .relaxed)
                state.socket.close()
            }
        }
    }
}
