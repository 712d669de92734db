import Logging
import Services
import Sockets

/// Helpers of the exec and files suites: a service on an in-process ``Server``; their
/// clients are ``JSONHeaderTestClient``s, run on threads of their own.
enum ExecFilesHarness {
    /// Runs `service` on a server listening on `address` (a free loopback port by
    /// default), calls `body` with the address clients connect to, then shuts it down.
    static func withServer<T: Sendable>(
        _ service: some StreamService, listeningOn address: String = "127.0.0.1:0", reactors: ReactorGroup = .shared,
        _ body: (SocketAddress) async throws -> T
    ) async throws -> T {
        let listener = try Socket.listen(on: address)
        let bound = try listener.localAddress()
        let server = Server(
            listeners: [listener],
            configuration: ServerConfiguration(idleTimeout: .seconds(30), gracePeriod: .milliseconds(500)),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
            reactors: reactors,
            handler: service.serve)
        // On the reactor, so that the server never waits for a cooperative thread
        // that a blocked client might hold.
        let running = Task(executorPreference: Reactor.shared) { await server.run() }
        defer { server.shutdown() }
        let result = try await body(bound)
        server.shutdown()
        await running.value
        return result
    }
}
