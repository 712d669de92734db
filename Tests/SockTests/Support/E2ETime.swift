#if canImport(Glibc)
    import Glibc
#endif

/// The local time formatted like Python's `time.ctime()`, computed independently of the server.
enum E2ETime {
    /// `time.ctime()`: `Sun Nov  1 01:50:47 2026` (the day padded with a space).
    static func ctimeNow() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let day = parts.tm_mday < 10 ? " \(parts.tm_mday)" : "\(parts.tm_mday)"
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]) \(months[Int(parts.tm_mon)]) \(day) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) \(parts.tm_year + 1900)"
    }
}
