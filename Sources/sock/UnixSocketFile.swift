import Sockets

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The file of a Unix socket `sock serve` or `sock listen` listens on. `sock` never deletes a file that
/// is not its own: before binding, only a stale socket (one nobody accepts on) is
/// replaced and anything else at the path is refused; at exit the file is removed only
/// if it is still the socket this process bound.
struct UnixSocketFile {
    /// The path (not an abstract `@name`, which has no file).
    let path: String
    /// The device and inode of the socket file after bind.
    private let identity: (device: UInt64, inode: UInt64)

    /// The file path of a listen address, `unix:PATH`; nil for `HOST:PORT` and for an
    /// abstract name (`unix:@name`), which has no file.
    static func path(of address: String) -> String? {
        address.hasPrefix("unix:") && !address.hasPrefix("unix:@") ? String(address.dropFirst(5)) : nil
    }

    /// Makes way for binding a socket of `type` at `path`: removes a stale socket file
    /// there; leaves a live one (binding then fails with "address already in use").
    ///
    /// - Throws: ``CommandFailure`` when something other than a socket is there:
    ///   `PATH exists and is not a socket`.
    static func prepare(_ path: String, type: SocketType) throws {
        guard let info = status(of: path) else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw CommandFailure("\(path) exists and is not a socket") }
        let probe = try Socket(.unix, type)
        defer { probe.close() }
        if let error = probe.connectEx(to: .unix(path: path)), error.kind == .connectionRefused {
            unlink(path)
        }
    }

    /// Records the socket file that bind has just made at `path`; nil if there is none.
    init?(boundAt path: String) {
        guard let info = Self.status(of: path), info.st_mode & S_IFMT == S_IFSOCK else { return nil }
        self.path = path
        identity = (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// Removes the file if it is still the socket recorded at bind (someone may have
    /// replaced it meanwhile).
    func remove() {
        guard let info = Self.status(of: path), (UInt64(info.st_dev), UInt64(info.st_ino)) == identity else { return }
        unlink(path)
    }

    /// Has SIGINT and SIGTERM remove the file too (if it is still this socket), until
    /// ``InterruptCleanup/unregister()``; a process that a signal ends runs no `defer`.
    func removeOnInterrupt() {
        InterruptCleanup.register(path, identity: identity)
    }

    /// `lstat`: what is at `path` itself (a symbolic link is not followed); nil if nothing.
    private static func status(of path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }
}
