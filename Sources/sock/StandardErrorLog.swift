import Logging

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// One line per event on stderr: `sock: connection opened peer=127.0.0.1:5000`.
struct StandardErrorLog: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    static func logger(quiet: Bool) -> Logger {
        Logger(label: "sock") { _ in StandardErrorLog(logLevel: quiet ? .warning : .info) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = "sock: \(event.message)"
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in all.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
        fputs(line + "\n", stderr)
    }
}

/// Flushes stdout, so a line like `listening on …` reaches a pipe at once.
func flushStandardOutput() {
    fflush(stdout)
}
