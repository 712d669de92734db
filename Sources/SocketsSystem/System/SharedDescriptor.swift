import Synchronization

/// A file descriptor shared by concurrent operations and closed exactly once.
///
/// Every operation brackets its use of the number with ``acquire()`` and
/// ``release()``. ``close()`` marks the descriptor closed at once — later
/// `acquire` calls fail — but the number is handed back to the kernel only when
/// the last operation in flight releases it. So a descriptor number can never be
/// closed under a running system call and then reused by an unrelated file
/// (the scheme of Go's `fdMutex`).
package struct SharedDescriptor: ~Copyable, Sendable {
    /// The descriptor number; valid while acquired.
    package let raw: Int32
    /// Bit 63: closed. Bit 62: detached (never closed here). Low bits: operations in flight.
    private let state: Atomic<UInt64>

    private static let closedBit: UInt64 = 1 << 63
    private static let detachedBit: UInt64 = 1 << 62
    private static let usersMask: UInt64 = (1 << 62) - 1

    package init(_ raw: Int32) {
        self.raw = raw
        self.state = Atomic(0)
    }

    /// Whether ``close()`` or ``detach()`` has been called.
    package var isClosed: Bool { state.load(ordering: .acquiring) & Self.closedBit != 0 }

    /// Registers one operation in flight; false once the descriptor is closed.
    @inline(__always)
    package func acquire() -> Bool {
        var current = state.load(ordering: .relaxed)
        while current & Self.closedBit == 0 {
            let (exchanged, original) = state.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiring)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Ends one operation; the last one after a close releases the number.
    @inline(__always)
    package func release() {
        let old = state.subtract(1, ordering: .acquiringAndReleasing).oldValue
        if old == Self.closedBit | 1 {
            _ = Syscall.close(raw)
        }
    }

    /// Marks the descriptor closed. Returns false if it already was.
    ///
    /// `beforeRelease` runs while this call still holds the number (so it cannot be
    /// reused under it); its argument says whether other operations are in flight and
    /// must be woken. The number is closed by the last ``release()``.
    package func close(beforeRelease: (_ inUse: Bool) -> Void) -> Bool {
        var current = state.load(ordering: .relaxed)
        while true {
            guard current & Self.closedBit == 0 else { return false }
            let (exchanged, original) = state.compareExchange(
                expected: current, desired: (current | Self.closedBit) + 1, ordering: .acquiringAndReleasing)
            if exchanged { break }
            current = original
        }
        beforeRelease(current & Self.usersMask != 0)
        release()
        return true
    }

    /// Gives up ownership without closing. Nil while operations are in flight or after close.
    package func detach() -> Int32? {
        let (exchanged, _) = state.compareExchange(
            expected: 0, desired: Self.closedBit | Self.detachedBit, ordering: .acquiringAndReleasing)
        return exchanged ? raw : nil
    }
}
