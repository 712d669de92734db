import Logging
import Services

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The log of `sock serve` and `sock relay`: one line per event on stderr, with its
/// time, level and quoted `key=value` metadata (``KeyValueLogHandler``):
/// `2026-12-03T06:10:15.123Z info connection opened peer=127.0.0.1:50312`.
enum StandardErrorLog {
    /// A logger that writes events from `.info` on (from `.warning` on when `quiet`).
    static func logger(quiet: Bool) -> Logger {
        Logger(label: "sock") { _ in KeyValueLogHandler(logLevel: quiet ? .warning : .info, write: writeStandardError) }
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
