/// How long any single wait of a test may take before the test fails instead of hanging.
public let testTimeout: Duration = .seconds(10)

extension Duration {
    /// The duration in seconds, for Foundation's `Date`-based waits.
    var secondsForFoundation: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
