import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Removes a temporary file when SIGINT or SIGTERM ends the process (`sock get`'s
/// `.NAME.sock-get-…`), then lets the signal end the process as it would have (the
/// shell sees 130 or 143).
///
/// The signal handler only loads an atomic pointer and calls `unlink`, `signal` and
/// `raise`, all async-signal-safe.
enum InterruptCleanup {
    /// The address of the file's path as a C string; 0 when there is none. A string
    /// registered is never freed: a handler running on another thread may still read it.
    private static let path = Atomic<Int>(0)

    /// Removes `path` if SIGINT or SIGTERM arrives from now until ``unregister()``.
    static func register(_ path: String) {
        self.path.store(Int(bitPattern: strdup(path)), ordering: .sequentiallyConsistent)
        signal(SIGINT, handle)
        signal(SIGTERM, handle)
    }

    /// The file is renamed or removed: a signal no longer removes anything.
    static func unregister() {
        path.store(0, ordering: .sequentiallyConsistent)
    }

    private static let handle: @convention(c) (Int32) -> Void = { received in
        if let path = UnsafePointer<CChar>(bitPattern: InterruptCleanup.path.load(ordering: .sequentiallyConsistent)) {
            unlink(path)
        }
        // The signal is blocked while its handler runs: it ends the process on return.
        signal(received, SIG_DFL)
        raise(received)
    }
}
