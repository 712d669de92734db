#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A one-line progress bar on standard error, for `put` and `get`:
/// `report.pdf  [########............]  41%  10.2 MiB / 25.0 MiB`.
///
/// It draws only when standard error is a terminal and `--quiet` was not given, at
/// most ten times a second, with no colour; in a pipe or a log it writes nothing.
struct ProgressBar {
    /// The width of the bar between its brackets.
    static let barWidth = 24

    private let label: String
    private let total: Int
    private let isEnabled: Bool
    private var lastDrawn: ContinuousClock.Instant?
    private var hasDrawn = false

    /// Creates a bar for `total` bytes.
    ///
    /// - Parameters:
    ///   - label: What is transferred, usually the file name.
    ///   - total: The number of bytes at 100 %.
    ///   - quiet: Never draw.
    init(label: String, total: Int, quiet: Bool) {
        self.label = label
        self.total = total
        self.isEnabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Shows that `done` bytes of the total are transferred.
    mutating func update(_ done: Int) {
        guard isEnabled else { return }
        let now = ContinuousClock.now
        if let lastDrawn, now - lastDrawn < .milliseconds(100), done < total { return }
        lastDrawn = now
        hasDrawn = true
        let fraction = total > 0 ? min(Double(done) / Double(total), 1) : 1
        let filled = Int(fraction * Double(Self.barWidth))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: Self.barWidth - filled)
        let percent = Int(fraction * 100)
        fputs(
            "\r\(label)  [\(bar)] \(percent < 10 ? "  " : percent < 100 ? " " : "")\(percent)%  \(Self.format(done)) / \(Self.format(total))\u{1B}[K",
            stderr)
    }

    /// Ends the bar's line, if it drew one.
    func finish() {
        if hasDrawn { fputs("\n", stderr) }
    }

    /// `512 B`, `10.2 KiB`, `3.0 MiB`, `1.5 GiB`.
    static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        guard unit > 0 else { return "\(bytes) B" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
