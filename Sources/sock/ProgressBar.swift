#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Progress of `put` and `get` on standard error.
///
/// While the transfer runs, on a terminal only, one line redrawn at most ten times a
/// second, with no colour:
/// `report.pdf  [########............]  41%  10.2 MiB / 25.0 MiB  12.3 MiB/s  ETA 0:01`.
/// At the end, one summary line, `50.0 MiB in 0.14 s, 357 MiB/s, sha256 ok`, on a
/// terminal or with `-v` (in a pipe a transfer is silent, as netcat is); `--quiet`
/// silences both.
struct ProgressBar {
    /// The width of the bar between its brackets.
    static let barWidth = 24

    private let label: String
    private let total: Int
    private let drawsBar: Bool
    private let summarizes: Bool
    private let start = ContinuousClock.now
    private var lastDrawn: ContinuousClock.Instant?
    private var hasDrawn = false

    /// Creates the progress of a transfer of `total` bytes, which starts now.
    ///
    /// - Parameters:
    ///   - label: What is transferred, usually the file name.
    ///   - total: The number of bytes at 100 %.
    ///   - quiet: Neither bar nor summary.
    ///   - verbose: A summary even when standard error is not a terminal (`-v`).
    ///   - terminal: Whether standard error is a terminal the bar may be drawn on.
    init(label: String, total: Int, quiet: Bool, verbose: Bool, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.total = total
        self.drawsBar = !quiet && terminal
        self.summarizes = !quiet && (terminal || verbose)
    }

    /// Shows that `done` bytes of the total are transferred.
    mutating func update(_ done: Int) {
        guard drawsBar else { return }
        let now = ContinuousClock.now
        if let lastDrawn, now - lastDrawn < .milliseconds(100), done < total { return }
        lastDrawn = now
        hasDrawn = true
        let fraction = total > 0 ? min(Double(done) / Double(total), 1) : 1
        let filled = Int(fraction * Double(Self.barWidth))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: Self.barWidth - filled)
        let percent = Int(fraction * 100)
        let padding = percent < 10 ? "  " : percent < 100 ? " " : ""
        let seconds = Self.seconds(now - start)
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let eta = rate > 0 ? "ETA \(Self.clock(Double(total - done) / rate))" : "ETA -:--"
        fputs(
            "\r\(label)  [\(bar)] \(padding)\(percent)%  \(HumanSize.bytes(done)) / \(HumanSize.bytes(total))"
                + "  \(HumanSize.rate(rate))  \(eta)\u{1B}[K",
            stderr)
    }

    /// Ends the bar's line, if it drew one, and writes the summary of `bytes`
    /// transferred, `outcome` last (`sha256 ok`), if the summary is wanted.
    func finish(bytes: Int, outcome: String) {
        if hasDrawn { fputs("\n", stderr) }
        guard summarizes else { return }
        fputs(Self.summary(bytes: bytes, elapsed: ContinuousClock.now - start, outcome: outcome) + "\n", stderr)
    }

    /// Ends the bar's line, if it drew one, without a summary (the transfer failed).
    func abandon() {
        if hasDrawn { fputs("\n", stderr) }
    }

    /// `50.0 MiB in 0.14 s, 357 MiB/s, sha256 ok`.
    static func summary(bytes: Int, elapsed: Duration, outcome: String) -> String {
        let seconds = max(Self.seconds(elapsed), 1e-6)
        let time = seconds < 10 ? HumanSize.decimal(seconds, places: 2) : HumanSize.decimal(seconds, places: 1)
        return "\(HumanSize.bytes(bytes)) in \(time) s, \(HumanSize.rate(Double(bytes) / seconds)), \(outcome)"
    }

    /// `0:07`, `12:34`, `1:02:03`.
    private static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(rest))" : "\(minutes):\(twoDigits(rest))"
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
