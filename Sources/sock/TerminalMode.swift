import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Standard input's terminal in raw mode, for `sock chat`'s line editor: every key
/// comes at once and unechoed, Ctrl-C and Ctrl-D as bytes; output still turns `\n`
/// into CR LF. The terminal is put back as it was on every way out: ``restore()`` (the
/// command's end, an error), and SIGINT, SIGTERM or SIGHUP, whose handler restores it
/// and then lets the signal end the process as it would have (the shell sees 130, 143
/// or 129).
///
/// The handler only loads an atomic pointer and calls `tcsetattr`, `write`, `signal`
/// and `raise`, all async-signal-safe.
enum TerminalMode {
    /// The address of the settings to restore; 0 when the terminal is not in raw mode.
    /// Settings stored are never freed: a handler on another thread may still read them.
    private static let saved = Atomic<Int>(0)

    /// Whether `sock chat` can edit lines here: stdin and stdout are both a terminal.
    static var isAvailable: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    /// Puts stdin's terminal in raw mode until ``restore()``.
    ///
    /// - Throws: ``CommandFailure`` when the terminal's settings cannot be read or set.
    static func enterRaw() throws {
        let original = UnsafeMutablePointer<termios>.allocate(capacity: 1)
        guard tcgetattr(STDIN_FILENO, original) == 0 else {
            original.deallocate()
            throw CommandFailure("tcgetattr stdin: \(String(cString: strerror(errno)))")
        }
        var raw = original.pointee
        raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
        raw.c_cflag |= tcflag_t(CS8)
        withUnsafeMutableBytes(of: &raw.c_cc) { characters in
            characters[Int(VMIN)] = 1
            characters[Int(VTIME)] = 0
        }
        saved.store(Int(bitPattern: original), ordering: .sequentiallyConsistent)
        for received in [SIGINT, SIGTERM, SIGHUP] { signal(received, handle) }
        while tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                restore()
                throw CommandFailure("tcsetattr stdin: \(reason)")
            }
        }
    }

    /// Puts the terminal back as ``enterRaw()`` found it; does nothing when it is not in raw mode.
    static func restore() {
        let address = saved.exchange(0, ordering: .sequentiallyConsistent)
        guard let original = UnsafePointer<termios>(bitPattern: address) else { return }
        while tcsetattr(STDIN_FILENO, TCSAFLUSH, original) != 0 && errno == EINTR {}
        for received in [SIGINT, SIGTERM, SIGHUP] { signal(received, SIG_DFL) }
    }

    private static let handle: @convention(c) (Int32) -> Void = { received in
        let address = TerminalMode.saved.exchange(0, ordering: .sequentiallyConsistent)
        if let original = UnsafePointer<termios>(bitPattern: address) {
            tcsetattr(STDIN_FILENO, TCSANOW, original)
            // The prompt's line is left as it is; the shell's prompt starts below it.
            _ = write(STDOUT_FILENO, "\r\n", 2)
        }
        // The signal is blocked while its handler runs: it ends the process on return.
        signal(received, SIG_DFL)
        raise(received)
    }
}
