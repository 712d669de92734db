import ServiceLifecycle
import UnixSignals

/// SIGINT and SIGTERM, trapped from the moment this is made: from then on neither ends
/// the process; each asks a service group to shut down gracefully (SPEC §4), however
/// early it comes.
///
/// `sock serve` makes it before it prints `listening on ADDR`: a `ServiceGroup` with
/// `gracefulShutdownSignals` traps them only once `run()` has started, and a signal
/// sent between the line and then would kill the server (status 143) and leave its
/// Unix socket file behind.
struct ShutdownSignals {
    private let signals: UnixSignalsSequence

    /// Traps SIGINT and SIGTERM; returns once the handlers are in place. A signal that
    /// comes from now on is kept until ``run(_:)`` hands it on.
    init() async {
        signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    }

    /// Runs `group` to its end; every signal trapped, before this call or during it,
    /// triggers the group's graceful shutdown.
    ///
    /// - Parameters:
    ///   - group: The services to run.
    ///   - signalled: Called with each signal, before the shutdown it triggers.
    /// - Throws: What `group.run()` throws.
    func run(_ group: ServiceGroup, signalled: @escaping @Sendable (UnixSignal) -> Void = { _ in }) async throws {
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { [signals] in
                for await signal in signals {
                    signalled(signal)
                    await group.triggerGracefulShutdown()
                }
            }
            try await group.run()
            tasks.cancelAll()
        }
    }
}
