import Synchronization

/// A value guarded by a lock, stored inside the class that owns it: ``LockedValue``
/// without an allocation of its own.
///
/// For the state of every socket and registration. A ``LockedValue`` is a generic class,
/// and a generic class's deinit is never specialised: freeing one looks up the metadata
/// of its `Mutex` and what that holds at run time, about 1.5 k instructions per
/// connection for two of them. Stored inline in a non-generic class, the lock and its
/// value are destroyed by that class's own, specialised deinit.
///
/// Built with `-D SOCKETS_PTHREAD_LOCKS` (``LockedValue``'s note says why) it keeps a
/// ``LockedValue`` instead, for ThreadSanitizer.
public struct InlineLockedValue<Value>: ~Copyable, @unchecked Sendable {
    // @unchecked: as LockedValue, `Value` is only reached inside `withLock`, with the lock
    // held.
    #if SOCKETS_PTHREAD_LOCKS
        @usableFromInline
        let boxed: LockedValue<Value>

        @inlinable
        package init(_ value: Value) {
            boxed = LockedValue(value)
        }

        /// Runs `body` with exclusive access to the value.
        @inlinable @inline(__always)
        package func withLock<Result, Failure: Error>(
            _ body: (inout Value) throws(Failure) -> Result
        ) throws(Failure) -> Result {
            try boxed.withLock(body)
        }
    #else
        @usableFromInline
        let mutex: Mutex<LockedTransfer<Value>>

        @inlinable
        package init(_ value: Value) {
            mutex = Mutex(LockedTransfer(value))
        }

        /// Runs `body` with exclusive access to the value (see ``LockedValue/withLock(_:)``
        /// for why it is inlinable).
        @inlinable @inline(__always)
        package func withLock<Result, Failure: Error>(
            _ body: (inout Value) throws(Failure) -> Result
        ) throws(Failure) -> Result {
            try mutex.withLock { (locked: inout sending LockedTransfer<Value>) throws(Failure) in
                LockedTransfer(try body(&locked.value))
            }.value
        }
    #endif
}

#if !SOCKETS_PTHREAD_LOCKS
    /// A value that crosses `Mutex.withLock`'s `sending` boundary: the value an
    /// ``InlineLockedValue`` guards, and what its `withLock` returns.
    @usableFromInline
    struct LockedTransfer<Value>: @unchecked Sendable {
        // @unchecked: the guarded value is reached only inside `withLock`, with the mutex
        // held; a result is handed to the one caller that asked for it, as with any lock.
        @usableFromInline
        var value: Value

        @inlinable
        init(_ value: Value) {
            self.value = value
        }
    }
#endif
