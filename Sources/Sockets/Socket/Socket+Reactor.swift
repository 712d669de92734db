/// Placeholder until the reactor lands: the async API's per-socket state.
struct ReactorRegistration: Sendable {}

extension Socket {
    func wakeAsyncWaiters() {}
    func deregisterFromReactor() {}
}
