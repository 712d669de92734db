/// Exponential backoff for reconnecting: each failure doubles the delay, from
/// ``initial`` up to ``maximum``, with jitter so that many clients do not retry in step;
/// a success resets it.
public struct Backoff: Sendable {
    /// The delay after the first failure.
    public let initial: Duration
    /// The longest delay.
    public let maximum: Duration
    private var next: Duration

    /// Creates a backoff.
    ///
    /// - Parameters:
    ///   - initial: The delay after the first failure (default 100 ms); must be positive.
    ///   - maximum: The longest delay (default 5 s); not less than `initial`.
    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        precondition(initial > .zero && maximum >= initial, "need 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
        next = initial
    }

    /// The delay to wait after one more failure: between half and all of the current
    /// step, which then doubles (up to ``maximum``).
    public mutating func nextDelay() -> Duration {
        let step = next
        next = min(maximum, next * 2)
        return step * Double.random(in: 0.5...1)
    }

    /// Forgets the failures: the next delay is ``initial`` again.
    public mutating func reset() {
        next = initial
    }
}
