#if canImport(Glibc)
    import Glibc
#endif

/// Runs blocking code on a thread of its own and awaits its result, so it never holds
/// one of the few threads of the cooperative pool (which a server in the same process,
/// or the test's other tasks, may need meanwhile).
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        startThread { continuation.resume(with: Result { try body() }) }
    }
}

/// Starts a detached POSIX thread running `body`.
///
/// A plain pthread, not a Foundation `Thread`: that one would create a run loop with
/// descriptors of its own, which would upset the tests that count descriptors.
public func startThread(_ body: @escaping @Sendable () -> Void) {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(
        &thread, nil,
        { context in
            Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
    precondition(status == 0, "pthread_create failed: \(status)")
    pthread_detach(thread)
}

/// The closure a thread started by ``startThread(_:)`` runs.
private final class ThreadBody: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
