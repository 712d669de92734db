extension Duration {
    /// The duration in whole milliseconds, rounded up so that a wait never ends early,
    /// clamped to `0...Int32.max`: the timeout argument of `poll` and `epoll_wait`.
    package var roundedUpMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        let total = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(total, 0))
    }

    /// The duration in whole milliseconds, rounded toward zero.
    package var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The duration in whole nanoseconds, rounded toward zero; `Int64.max` when it
    /// does not fit.
    package var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow else { return seconds < 0 ? .min : .max }
        return nanoseconds.partialValue &+ attoseconds / 1_000_000_000
    }

    /// The duration in seconds, as a floating-point number (for messages and rates).
    package var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
