import Logging
import Synchronization

/// A TCP or Unix stream server: accepts on one or more listening sockets and serves
/// every connection concurrently in its own child task on the reactor.
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
    private let reactor: Reactor
    private let connections = LockedValue<[ObjectIdentifier: ConnectionState]>([:])
    private let stopping = Atomic<Bool>(false)

    /// Creates a server; nothing happens until ``run()``.
    ///
    /// - Parameters:
    ///   - listeners: Listening stream sockets (``Socket/listen(on:backlog:reusePort:dualStack:)-(String,_,_,_)``).
    ///   - configuration: Limits and timeouts.
    ///   - logger: Connection opened/closed at `.info`, handler errors at `.notice`, accept trouble
    ///     at `.warning`. By default nothing is logged.
    ///   - reactor: The reactor whose thread runs the accept loops and the handlers.
    ///   - handler: Serves one connection.
    public init(
        listeners: [Socket], configuration: ServerConfiguration = ServerConfiguration(),
        logger: Logger = Logger(label: "sockets.server", factory: { _ in SwiftLogNoOpLogHandler() }),
        reactor: Reactor = .shared,
        handler: @escaping Handler
    ) {
        self.listeners = listeners
        self.configuration = configuration
        self.logger = logger
        self.reactor = reactor
        self.handler = handler
    }

    /// How many connections are open.
    public var connectionCount: Int { connections.withLock { $0.count } }

    /// Serves until ``shutdown()`` and every connection has ended.
    ///
    /// Cancelling the task that runs it ends it at once: it shuts down (the listeners are
    /// closed), the handlers are cancelled rather than given the grace period — a cancelled
    /// task cannot wait — and their connections are closed; it returns when they have.
    public func run() async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                if let idleTimeout = configuration.idleTimeout {
                    group.addTask(executorPreference: reactor) { await self.closeIdleConnections(after: idleTimeout) }
                }
                await withDiscardingTaskGroup { acceptLoops in
                    for listener in listeners {
                        acceptLoops.addTask(executorPreference: reactor) { await self.acceptLoop(listener) }
                    }
                }
                group.cancelAll()
            }
        } onCancel: {
            shutdown()
        }
    }

    /// Stops accepting and asks open connections to finish: their pending reads see end
    /// of stream, so handlers send what they owe and return. Connections still open
    /// after the grace period are closed. Calling it again does nothing.
    public func shutdown() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for listener in listeners { listener.close() }
        for state in connections.withLock({ Array($0.values) }) {
            try? state.socket.shutdown(.read)
        }
    }

    private func acceptLoop(_ listener: Socket) async {
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
                let state = ConnectionState(socket: socket)
                let admitted = connections.withLock { open in
                    guard open.count < configuration.maximumConnections else { return false }
                    open[ObjectIdentifier(state)] = state
                    return true
                }
                guard admitted else {
                    logger.notice("connection limit reached, refusing", metadata: ["peer": "\(peer)"])
                    socket.close()
                    continue
                }
                if configuration.noDelay && socket.family != .unix { try? socket.setOption(.noDelay, true) }
                // Accepted while shutdown() ran: it may have missed this one, so end its input here.
                if stopping.load(ordering: .acquiring) { try? socket.shutdown(.read) }
                group.addTask(executorPreference: reactor) { await self.serve(state, peer: peer) }
            }
            await closeRemaining(group: &group)
        }
    }

    private func serve(_ state: ConnectionState, peer: SocketAddress) async {
        logger.info("connection opened", metadata: ["peer": "\(peer)"])
        defer {
            connections.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(state)) }
            state.socket.close()
            let reason = state.idledOut.load(ordering: .relaxed) ? " (idle timeout)" : ""
            logger.info("connection closed\(reason)", metadata: ["peer": "\(peer)"])
        }
        do {
            try await handler(Connection(peer: peer, state: state))
        } catch let error as SocketError where error.kind == .closed || error.kind == .connectionReset {
            return
        } catch is CancellationError {
            return
        } catch {
            logger.notice("connection failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
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
        for state in connections.withLock({ Array($0.values) }) {
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
            let idle = connections.withLock { open in
                open.values.filter { now - $0.lastActive.load(ordering: .relaxed) >= limit }
            }
            for state in idle {
                state.idledOut.store(true, ordering: .relaxed)
                state.socket.close()
            }
        }
    }
}
