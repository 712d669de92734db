import ServiceLifecycle
import Sockets

/// A ``Server`` or ``DatagramServer`` as a swift-service-lifecycle `Service`: in a
/// `ServiceGroup` with graceful-shutdown signals, SIGINT/SIGTERM call its `shutdown()`.
public struct GracefulService: Service {
    private let body: @Sendable () async throws -> Void
    private let stop: @Sendable () -> Void

    /// Wraps a stream server.
    public init(_ server: Server) {
        body = { await server.run() }
        stop = { server.shutdown() }
    }

    /// Wraps a datagram server.
    public init(_ server: DatagramServer) {
        body = { try await server.run() }
        stop = { server.shutdown() }
    }

    /// Runs the server until it is shut down, shutting it down on graceful shutdown.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await body()
        } onGracefulShutdown: {
            stop()
        }
    }
}
