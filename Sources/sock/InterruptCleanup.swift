import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Removes a file this process made when SIGINT or SIGTERM ends the process (`sock
/// get`'s `.NAME.sock-get-…`, the socket file of `sock listen unix:PATH`), then lets
/// the signal end the process as it would have (the shell sees 130 or 143).
///
/// A file registered with its identity (device and inode) is removed only if it is
/// still that file: one that replaced it at the path is left alone.
///
/// The signal handler only loads an atomic pointer and calls `lstat`, `unlink`,
/// `signal` and `raise`, all async-signal-safe.
enum InterruptCleanup {
    /// The file to remove: its path as a C string and, if known, its identity.
    private struct Entry {
        var path: UnsafeMutablePointer<CChar>
        var identity: (device: UInt64, inode: UInt64)?
    }

    /// The address of the registered ``Entry``; 0 when there is none. An entry
    /// registered is never freed: a handler running on another thread may still read it.
    private static let entry = Atomic<Int>(0)

    /// Removes `path` if SIGINT or SIGTERM arrives from now until ``unregister()``; only
    /// while it is still the file of `identity`, when given.
    static func register(_ path: String, identity: (device: UInt64, inode: UInt64)? = nil) {
        let entry = UnsafeMutablePointer<Entry>.allocate(capacity: 1)
        entry.initialize(to: Entry(path: strdup(path), identity: identity))
        self.entry.store(Int(bitPattern: entry), ordering: .sequentiallyConsistent)
        signal(SIGINT, handle)
        signal(SIGTERM, handle)
    }

    /// The file is renamed or removed: a signal no longer removes anything.
    static func unregister() {
        entry.store(0, ordering: .sequentiallyConsistent)
    }

    private static let handle: @convention(c) (Int32) -> Void = { received in
        if let entry = UnsafePointer<Entry>(bitPattern: InterruptCleanup.entry.load(ordering: .sequentiallyConsistent)) {
            var info = stat()
            if let identity = entry.pointee.identity {
                if lstat(entry.pointee.path, &info) == 0 && UInt64(info.st_dev) == identity.device
                    && UInt64(info.st_ino) == identity.inode
                {
                    unlink(entry.pointee.path)
                }
            } else {
                unlink(entry.pointee.path)
            }
        }
        // The signal is blocked while its handler runs: it ends the process on return.
        signal(received, SIG_DFL)
        raise(received)
    }
}
