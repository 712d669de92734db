#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A local file the `put` and `get` clients read or write: owns its descriptor and
/// closes it exactly once (unless it wraps standard output, which it never closes).
final class LocalFile: Sendable {
    /// The open descriptor.
    let descriptor: Int32
    /// The path it was opened by.
    let path: String
    /// How messages name it: the path, or for a temporary file the path it becomes.
    let label: String
    private let ownsDescriptor: Bool

    private init(descriptor: Int32, path: String, label: String? = nil, ownsDescriptor: Bool = true) {
        self.descriptor = descriptor
        self.path = path
        self.label = label ?? path
        self.ownsDescriptor = ownsDescriptor
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Standard output, written to as a file (never closed).
    static let standardOutput = LocalFile(descriptor: STDOUT_FILENO, path: "standard output", ownsDescriptor: false)

    /// Standard error, written to as a file (never closed).
    static let standardError = LocalFile(descriptor: STDERR_FILENO, path: "standard error", ownsDescriptor: false)

    /// Opens an existing file for reading.
    static func openForReading(_ path: String) throws(CommandFailure) -> LocalFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open \(path)") }
        return LocalFile(descriptor: fd, path: path)
    }

    /// Creates a new temporary file in the directory of `path` (so that a rename to
    /// `path` is atomic), named `.NAME.sock-get-RANDOM`.
    static func createTemporary(besides path: String) throws(CommandFailure) -> LocalFile {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var attempts = 0
        while true {
            let temporary = directory + "." + name + ".sock-get-" + String(UInt64.random(in: .min ... .max), radix: 16)
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 { return LocalFile(descriptor: fd, path: temporary, label: path) }
            attempts += 1
            guard errno == EEXIST, attempts < 8 else { throw failure("create \(path)") }
        }
    }

    /// Reads a whole small file.
    ///
    /// - Throws: ``CommandFailure`` when it cannot be read or is larger than `maximumLength`.
    static func readAll(_ path: String, maximumLength: Int) throws(CommandFailure) -> [UInt8] {
        let file = try openForReading(path)
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        while case let count = try file.read(into: buffer), count > 0 {
            bytes += buffer[..<count]
            guard bytes.count <= maximumLength else { throw CommandFailure("\(path) is larger than \(maximumLength) bytes") }
        }
        return bytes
    }

    /// The size of a regular file.
    ///
    /// - Throws: ``CommandFailure`` when it is not a regular file.
    func regularFileSize() throws(CommandFailure) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Self.failure("stat \(label)") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw CommandFailure("\(label) is not a regular file") }
        return Int(info.st_size)
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(CommandFailure) -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            guard errno == EINTR else { throw Self.failure("read \(label)") }
        }
    }

    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(CommandFailure) {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 {
                guard errno == EINTR else { throw Self.failure("write \(label)") }
                continue
            }
            offset += count
        }
    }

    /// Moves back to the start of the file (C: `lseek`).
    func rewind() throws(CommandFailure) {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw Self.failure("seek \(label)") }
    }

    /// Flushes the file to the disk (C: `fsync`).
    func sync() throws(CommandFailure) {
        guard fsync(descriptor) == 0 else { throw Self.failure("fsync \(label)") }
    }

    /// A failure for the current `errno`: `OPERATION: reason`.
    static func failure(_ operation: String) -> CommandFailure {
        let text = String(cString: strerror(errno))
        return CommandFailure("\(operation): " + (text.first.map { $0.lowercased() + text.dropFirst() } ?? text))
    }
}
