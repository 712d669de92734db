import Logging

@testable import Sockets

/// A ``Server`` running in a task, for a test.
final class AsyncServerHarness: Sendable {
    let server: Server
    let address: SocketAddress
    let running: Task<Void, any Error>
    private let finished: AsyncFlag

    init(
        on listenAddress: String = "127.0.0.1:0", configuration: ServerConfiguration = ServerConfiguration(),
        handler: @escaping Server.Handler = AsyncTest.echo
    ) throws {
        let (listener, address) = try AsyncTest.listener(on: listenAddress)
        self.address = address
        let server = Server(listeners: [listener], configuration: configuration, logger: Self.logger, handler: handler)
        self.server = server
        let finished = AsyncFlag()
        self.finished = finished
        running = Task {
            defer { finished.set() }
            await server.run()
        }
    }

    /// Warnings and errors only, on stderr: the tests open thousands of connections.
    static let logger: Logger = {
        var logger = Logger(label: "sockets.test-server", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .warning
        return logger
    }()

    /// Whether `run()` has returned.
    var hasFinished: Bool { finished.isSet }

    /// Shuts the server down and waits (bounded) for `run()` to return.
    func stop(within limit: Duration = .seconds(10)) async throws {
        server.shutdown()
        try await AsyncTest.withTimeout(limit, "Server.run() after shutdown") { [running] in try await running.value }
    }
}
