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
        writeStandardError(line + "\n")
    }
}

/// Flushes stdout, so a line like `listening on …` reaches a pipe at once.
func flushStandardOutput() {
    fflush(stdout)
}

/// Makes stdout flush at every line break, in a pipe too (SPEC §5): a script or a bot
/// reading `sock chat` sees each line as it arrives, not when the process ends (C
/// stdio, and so `print`, buffers whole blocks when stdout is not a terminal).
func makeStandardOutputLineBuffered() {
    setvbuf(stdout, nil, _IOLBF, 0)
}

/// Writes `text` to stderr at once (unbuffered).
func writeStandardError(_ text: String) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return }
        offset += written
    }
}
