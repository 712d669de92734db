import Logging
import Synchronization

/// The datagram counterpart of ``Server``: receives datagrams on one socket in
/// batches and hands each to a handler, which answers with ``Socket/send(_:to:deadline:)-([UInt8],_,_)``.
///
/// A handler's error is logged and affects that datagram only. ``shutdown()`` closes
/// the socket and ends ``run()``; so does cancelling the task that runs it.
public final class DatagramServer: Sendable {
    /// Handles one datagram; `socket` is the server's socket, to reply from.
    public typealias Handler = @Sendable (_ datagram: Datagram, _ socket: Socket) async throws -> Void

    /// The bound datagram socket.
    public let socket: Socket
    /// Nil for ``echo(socket:maximumSize:logger:reactor:)``.
    private let handler: Handler?
    private let logger: Logger
    private let reactor: Reactor
    private let maximumSize: Int

    /// Creates a server on a bound datagram socket (``Socket/bindDatagram(to:reuseAddress:)``).
    ///
    /// - Parameters:
    ///   - socket: The bound datagram socket to serve; the server closes it on shutdown.
    ///   - maximumSize: Longer datagrams arrive cut, with `isTruncated` set.
    ///   - logger: A handler's error is logged at `.notice`. By default nothing is logged.
    ///   - reactor: The reactor whose thread runs the receive loop and the handler.
    ///   - handler: Handles one datagram.
    public convenience init(
        socket: Socket, maximumSize: Int = 65_535,
        logger: Logger = Logger(label: "sockets.datagram-server", factory: { _ in SwiftLogNoOpLogHandler() }),
        reactor: Reactor = .shared, handler: @escaping Handler
    ) {
        self.init(socket: socket, maximumSize: maximumSize, logger: logger, reactor: reactor, optionalHandler: handler)
    }

    private init(socket: Socket, maximumSize: Int, logger: Logger, reactor: Reactor, optionalHandler handler: Handler?) {
        self.socket = socket
        self.maximumSize = maximumSize
        self.logger = logger
        self.reactor = reactor
        self.handler = handler
    }

    /// A server that sends every datagram back to its sender, empty ones included (`sock
    /// serve echo --udp`, seed 004):
    /// its reactor receives and sends batches on each event, with no task switch per
    /// datagram (``Socket/echoDatagrams(maximumSize:)``); the same as a handler that sends
    /// each datagram back, only cheaper.
    ///
    /// - Parameters: as ``init(socket:maximumSize:logger:reactor:handler:)``.
    public static func echo(
        socket: Socket, maximumSize: Int = 65_535,
        logger: Logger = Logger(label: "sockets.datagram-server", factory: { _ in SwiftLogNoOpLogHandler() }),
        reactor: Reactor = .shared
    ) -> DatagramServer {
        DatagramServer(socket: socket, maximumSize: maximumSize, logger: logger, reactor: reactor, optionalHandler: nil)
    }

    /// Serves, on the reactor, until ``shutdown()`` or until the task running it is
    /// cancelled; either way the socket is closed and it returns without an error.
    ///
    /// - Throws: ``SocketError`` if receiving fails for another reason.
    public func run() async throws {
        try await withTaskCancellationHandler {
            // As a `Server`'s connections: a task without an executor preference, started on
            // the reactor and adopted by it at every resume (`Reactor.adopting`), which owns
            // the socket, so that its waits need no cancellation handler each. Closing the
            // socket (`shutdown`, also on cancellation) ends them.
            try? socket.register(with: reactor)
            try await withThrowingDiscardingTaskGroup { group in
                reactor.adopting {
                    group.addTask {
                        self.socket.claimOwnership()
                        try await self.receiveLoop()
                    }
                }
            }
        } onCancel: {
            shutdown()
        }
    }

    /// Stops serving: closes the socket, which ends ``run()``.
    public func shutdown() {
        socket.close()
    }

    private func receiveLoop() async throws {
        do {
            guard let handler else { return try await socket.echoDatagrams(maximumSize: maximumSize) }
            for try await datagram in socket.datagrams(maximumSize: maximumSize) {
                do {
                    try await handler(datagram, socket)
                } catch let error as SocketError where error.kind == .closed {
                    return
                } catch  where Task.isCancelled {
                    return
                } catch {
                    logger.notice("datagram failed", metadata: ["peer": "\(datagram.address)", "error": "\(error)"])
                }
            }
        } catch let error as SocketError where error.kind == .closed {
            return
        } catch is CancellationError {
            return
        }
    }
}
