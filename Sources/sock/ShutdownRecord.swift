import Logging
import Sockets
import UnixSignals

/// What `sock serve` says when it stops: the signal that stopped it and how many
/// connections were open then (each ended within the grace period or was closed),
/// one line: `info shut down connections_closed=3 reason=SIGTERM`.
final class ShutdownRecord: Sendable {
    private struct First {
        var signal: UnixSignal
        var openConnections: Int?
    }

    private let server: Server?
    private let first = LockedValue<First?>(nil)

    /// A record for `server` (nil for a datagram server, which has no connections).
    init(server: Server?) {
        self.server = server
    }

    /// Notes the first signal, and the connections open when it came.
    func signalled(_ signal: UnixSignal) {
        let open = server?.connectionCount
        first.withLock { $0 = $0 ?? First(signal: signal, openConnections: open) }
    }

    /// Logs the shutdown at `.info`, if a signal caused it.
    func log(to logger: Logger) {
        guard let first = first.withLock({ $0 }) else { return }
        var metadata: Logger.Metadata = ["reason": "\(first.signal)"]
        if let open = first.openConnections { metadata["connections_closed"] = "\(open)" }
        logger.info("shut down", metadata: metadata)
    }
}
