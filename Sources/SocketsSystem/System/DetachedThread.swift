#if canImport(Glibc)
    import Glibc
#endif

/// Starts a detached POSIX thread that runs `body` once and ends.
///
/// For the threads that must not be Swift's cooperative ones: the reactor's loop
/// and the blocking-work threads. The closure is retained until the thread starts.
///
/// - Returns: 0, or the error number `pthread_create` returned (the thread did not start).
/// The corresponding C function is `pthread_create`, then `pthread_detach`.
package func startDetachedThread(_ body: @escaping @Sendable () -> Void) -> Int32 {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var thread = pthread_t()
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    let status = pthread_create(
        &thread, nil,
        { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
    guard status == 0 else {
        Unmanaged<Box>.fromOpaque(context).release()
        return status
    }
    pthread_detach(thread)
    return 0
}
