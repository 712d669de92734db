import Foundation

/// A value set once by one thread and awaited, with a bound, by others: a child's exit
/// status, the end of a sender thread.
public final class Latch<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only read or written with `condition` locked.
    private let condition = NSCondition()
    private var value: Value?

    /// An unset latch.
    public init() {}

    /// Sets the value (the first call wins) and wakes every waiter.
    public func set(_ value: Value) {
        condition.lock()
        if self.value == nil { self.value = value }
        condition.broadcast()
        condition.unlock()
    }

    /// The value, waiting up to `timeout` for it; nil if it was not set in time.
    public func wait(timeout: Duration) -> Value? {
        let deadline = Date(timeIntervalSinceNow: timeout.secondsForFoundation)
        condition.lock()
        defer { condition.unlock() }
        while value == nil {
            if !condition.wait(until: deadline) { break }
        }
        return value
    }
}
