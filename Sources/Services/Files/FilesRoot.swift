#if canImport(Glibc)
    import Glibc
#endif

/// The directory a `files` server stores its files in, held open, with every file
/// operation done relative to it (`openat`, `renameat`, …) so that nothing a client
/// names can reach outside it.
///
/// Symlinks: a file is opened without following symlinks. When the name is a symlink,
/// it is resolved with `realpath`; if it leads to a regular file directly in the root
/// (a symlink inside pointing inside), that file is served, by its own name and again
/// without following symlinks; anything else (a symlink to `/etc`, or into a
/// subdirectory) is refused. A put replaces a symlink itself, never its target.
/// `list` shows regular files only, symlinks and temporary files excluded.
///
/// Every call blocks; callers keep them off the reactor thread.
final class FilesRoot: Sendable {
    /// The root as given.
    let path: String
    /// The root with every symlink resolved.
    let resolvedPath: String
    /// The open root directory.
    private let descriptor: Int32

    /// Opens the root directory.
    ///
    /// - Throws: ``FilesError/system(operation:errno:)`` when it does not exist or is
    ///   not a directory.
    init(path: String) throws(FilesError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system(operation: "open \(path)", errno: errno) }
        guard let resolved = realpath(path, nil) else {
            let error = errno
            Glibc.close(descriptor)
            throw .system(operation: "realpath \(path)", errno: error)
        }
        defer { free(resolved) }
        self.path = path
        self.resolvedPath = String(cString: resolved)
        self.descriptor = descriptor
    }

    deinit {
        Glibc.close(descriptor)
    }

    // MARK: reading

    /// Opens a regular file of the root for reading, following a symlink only when it
    /// leads to a regular file directly in the root.
    ///
    /// - Throws: ``FilesError/notFound(_:)``, ``FilesError/notRegularFile(_:)``,
    ///   ``FilesError/symlinkOutsideRoot(_:)``, or a system error.
    func openForReading(_ name: String) throws(FilesError) -> DiskFile {
        do {
            return try openRegularFile(name)
        } catch .system(_, ELOOP) {
            return try openRegularFile(try targetInsideRoot(ofSymlink: name))
        }
    }

    /// Opens `name` without following a symlink and checks it is a regular file.
    private func openRegularFile(_ name: String) throws(FilesError) -> DiskFile {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
        let fd = openat(descriptor, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let error = errno
            if error == ENOENT { throw .notFound(name) }
            throw .system(operation: "open", errno: error)
        }
        let file = DiskFile(owning: fd)
        guard try file.status().st_mode & S_IFMT == S_IFREG else { throw .notRegularFile(name) }
        return file
    }

    /// The name, in the root, of the regular file a symlink leads to.
    private func targetInsideRoot(ofSymlink name: String) throws(FilesError) -> String {
        guard let resolved = realpath(path + "/" + name, nil) else {
            if errno == ENOENT { throw .notFound(name) }
            throw .symlinkOutsideRoot(name)
        }
        defer { free(resolved) }
        let target = String(cString: resolved)
        let prefix = resolvedPath == "/" ? "/" : resolvedPath + "/"
        guard target.hasPrefix(prefix) else { throw .symlinkOutsideRoot(name) }
        let targetName = String(target.dropFirst(prefix.count))
        guard (try? FileName.validate(targetName)) != nil else { throw .symlinkOutsideRoot(name) }
        return targetName
    }

    // MARK: writing

    /// Creates a new, empty temporary file in the root, with a name no other file has
    /// (`O_EXCL`) and that ``list()`` never shows.
    ///
    /// - Returns: The open file and its name.
    func createTemporaryFile() throws(FilesError) -> (file: DiskFile, name: String) {
        var attempts = 0
        while true {
            let name = FileName.temporaryPrefix + String(UInt64.random(in: .min ... .max), radix: 16) + ".tmp"
            let fd = openat(descriptor, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 { return (DiskFile(owning: fd), name) }
            attempts += 1
            guard errno == EEXIST, attempts < 8 else { throw .system(operation: "create temporary file", errno: errno) }
        }
    }

    /// Renames a finished temporary file to its final name, replacing any file (or
    /// symlink) of that name, then flushes the directory so the rename survives a crash.
    func commit(temporaryName: String, as name: String) throws(FilesError) {
        guard renameat(descriptor, temporaryName, descriptor, name) == 0 else {
            let error = errno
            if error == EISDIR || error == ENOTEMPTY { throw .notRegularFile(name) }
            throw .system(operation: "rename", errno: error)
        }
        guard fsync(descriptor) == 0 else { throw .system(operation: "fsync", errno: errno) }
    }

    /// Removes a temporary file; a file already gone is fine.
    func removeTemporaryFile(_ name: String) {
        unlinkat(descriptor, name, 0)
    }

    // MARK: listing

    /// One regular file of the root.
    struct Entry: Sendable, Equatable {
        /// Its name.
        var name: String
        /// Its size in bytes.
        var size: Int
    }

    /// The regular files of the root, sorted by name (byte order), without temporary
    /// files, symlinks, directories, or names that are not UTF-8 (JSON cannot carry them).
    func list() throws(FilesError) -> [Entry] {
        var entries: [Entry] = []
        try forEachName { name in
            guard let name, !FileName.isTemporary(name) else { return }
            var info = stat()
            guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG else { return }
            entries.append(Entry(name: name, size: Int(info.st_size)))
        }
        return entries.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// Removes the temporary files a server that was killed in the middle of a put left.
    func removeStaleTemporaryFiles() {
        try? forEachName { name in
            if let name, FileName.isTemporary(name) { removeTemporaryFile(name) }
        }
    }

    /// Calls `body` with each name of the root (`nil` for a name that is not UTF-8),
    /// `.` and `..` excluded.
    private func forEachName(_ body: (String?) -> Void) throws(FilesError) {
        let fd = openat(descriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open \(path)", errno: errno) }
        guard let directory = fdopendir(fd) else {
            let error = errno
            Glibc.close(fd)
            throw .system(operation: "opendir \(path)", errno: error)
        }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if bytes == [UInt8(ascii: ".")] || bytes == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            body(String(validating: bytes, as: UTF8.self))
        }
    }
}
