#if canImport(Glibc)
    import Glibc
#endif

/// Why a `files` request failed; its description is the `"error"` of the response.
public enum FilesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name is not a plain file name inside the root; the text says why.
    case invalidName(String)
    /// No file has that name.
    case notFound(String)
    /// The name is a directory, a device or something else that is not a regular file.
    case notRegularFile(String)
    /// A symlink that leads outside the root (or to something that is not a regular file in it).
    case symlinkOutsideRoot(String)
    /// A put larger than the server's `--max-size`.
    case tooLarge(size: Int, limit: Int)
    /// The server was started with `--read-only`.
    case readOnly
    /// The body's SHA-256 is not the one the header announced.
    case checksumMismatch(expected: String, actual: String)
    /// The request is not one the server understands; the text says why.
    case badRequest(String)
    /// A file system call failed.
    case system(operation: String, errno: Int32)

    /// One line of English.
    public var description: String {
        switch self {
        case .invalidName(let reason): "invalid name: \(reason)"
        case .notFound(let name): "no such file: \(name)"
        case .notRegularFile(let name): "not a regular file: \(name)"
        case .symlinkOutsideRoot(let name): "symlink leads outside the root: \(name)"
        case .tooLarge(let size, let limit): "file of \(size) bytes is over the limit of \(limit) bytes"
        case .readOnly: "the server is read-only"
        case .checksumMismatch(let expected, let actual): "checksum mismatch: expected sha256 \(expected), got \(actual)"
        case .badRequest(let reason): "bad request: \(reason)"
        case .system(let operation, let errno): "\(operation): \(FilesError.errnoText(errno))"
        }
    }

    /// The C library's text for an errno, in lower case, as ``SocketError`` writes it.
    static func errnoText(_ errno: Int32) -> String {
        let text = String(cString: strerror(errno))
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
