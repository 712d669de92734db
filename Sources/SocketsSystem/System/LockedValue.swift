#if canImport(Glibc)
    import Glibc
#endif

/// A value guarded by a lock, shared by reference (internal to Sockets: nothing in it is public).
///
/// A `Synchronization.Mutex` (a futex: one compare-and-swap to lock, one exchange to
/// unlock when uncontended), in one allocation with the value. Built with
/// `-D SOCKETS_PTHREAD_LOCKS` (as `Scripts/tsan.sh` does) it is a `pthread_mutex`
/// instead: ThreadSanitizer understands pthread mutexes but not `Mutex`'s futex on
/// Linux, where every contended `Mutex` shows up as a false "Swift access race" — and a
/// sanitizer full of false reports hides real ones. Both have the same semantics.
public struct LockedValue<Value>: @unchecked Sendable {
    // @unchecked: `Value` is only reached inside `withLock`, with the lock held, so
    // no two threads ever access it at once.
    #if SOCKETS_PTHREAD_LOCKS
        @usableFromInline
        final class Storage: ManagedBuffer<Value, pthread_mutex_t> {
            deinit {
                _ = withUnsafeMutablePointerToElements { pthread_mutex_destroy($0) }
            }
        }

        @usableFromInline
        let storage: Storage

        @inlinable
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
        /// Inlinable, so that every caller's use is specialised: a generic call looks up type
        /// metadata at run time, on every message of the reactor's hot path. (That is why the
        /// type is public, with nothing public in it: Swift 6.3 never inlines nor specialises an
        /// `@inlinable` member of a `package` type in another module.)
        @inlinable @inline(__always)
        package func withLock<Result, Failure: Error>(
            _ body: (inout Value) throws(Failure) -> Result
        ) throws(Failure) -> Result {
            try storage.withUnsafeMutablePointers { value, mutex throws(Failure) in
                pthread_mutex_lock(mutex)
                defer { pthread_mutex_unlock(mutex) }
                return try body(&value.pointee)
            }
        }
    #else
        /// The lock and the value in one allocation, shared by every copy.
        @usableFromInline
        final class Storage: Sendable {
            @usableFromInline
            let locked: InlineLockedValue<Value>

            @inlinable
            init(_ value: Value) {
                locked = InlineLockedValue(value)
            }
        }

        @usableFromInline
        let storage: Storage

        /// Inlinable, as ``withLock(_:)``: a generic initialiser looks up the metadata of
        /// `Storage` and what it holds at run time. (Its deinit still does, for the
        /// `Mutex` and `LockedTransfer` inside: a generic class's deinit is never
        /// specialised. What every connection has, a socket's and a registration's state,
        /// is therefore an ``InlineLockedValue``.)
        @inlinable
        package init(_ value: Value) {
            storage = Storage(value)
        }

        /// Runs `body` with exclusive access to the value.
        ///
        /// Inlinable, so that every caller's use is specialised: a generic call looks up type
        /// metadata at run time, on every message of the reactor's hot path. (That is why the
        /// type is public, with nothing public in it: Swift 6.3 never inlines nor specialises an
        /// `@inlinable` member of a `package` type in another module.)
        @inlinable @inline(__always)
        package func withLock<Result, Failure: Error>(
            _ body: (inout Value) throws(Failure) -> Result
        ) throws(Failure) -> Result {
            try storage.locked.withLock(body)
        }
    #endif
}
