#if canImport(Glibc)
    import Glibc
#endif

/// A value guarded by a `pthread_mutex`.
///
/// Used instead of `Synchronization.Mutex` because ThreadSanitizer understands pthread
/// mutexes but not `Mutex`'s futex on Linux, where every contended `Mutex` shows up as a
/// false "Swift access race" — and a sanitizer full of false reports hides real ones.
/// The value and the mutex share one allocation (the layout of SwiftNIO's `NIOLock`).
package struct LockedValue<Value>: @unchecked Sendable {
    // @unchecked: `Value` is only reached inside `withLock`, with the mutex held, so
    // no two threads ever access it at once.
    @usableFromInline
    final class Storage: ManagedBuffer<Value, pthread_mutex_t> {
        deinit {
            _ = withUnsafeMutablePointerToElements { pthread_mutex_destroy($0) }
        }
    }

    @usableFromInline
    let storage: Storage

    package init(_ value: Value) {
        let buffer = Storage.create(minimumCapacity: 1) { _ in value }
        storage = unsafeDowncast(buffer, to: Storage.self)
        storage.withUnsafeMutablePointerToElements { mutex in
            mutex.initialize(to: pthread_mutex_t())
            pthread_mutex_init(mutex, nil)
        }
    }

    /// Runs `body` with exclusive access to the value.
    ///
    /// Inlinable, so that every caller's use is specialised: a generic call across modules
    /// looks up type metadata at run time, on every message of the reactor's hot path.
    @inlinable
    package func withLock<Result, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try storage.withUnsafeMutablePointers { value, mutex throws(Failure) in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&value.pointee)
        }
    }
}
