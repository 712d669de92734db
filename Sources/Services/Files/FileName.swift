/// The rules for a file name in a `files` root.
///
/// Names are flat: one path component, no subdirectories. That is the simplest rule
/// that keeps every name inside the root without resolving paths: a name is refused
/// when it is empty, longer than 255 bytes, holds a NUL byte or a `/` (so absolute
/// paths and `a/../../x` are refused), is `.` or `..`, or starts with the prefix of the
/// server's temporary files.
enum FileName {
    /// The prefix of a put's temporary file; such names are never listed or served.
    static let temporaryPrefix = ".sock-put-"

    /// The longest name, in UTF-8 bytes (Linux's `NAME_MAX`).
    static let maximumLength = 255

    /// Checks `name`.
    ///
    /// - Throws: ``FilesError/invalidName(_:)`` saying why it is refused.
    static func validate(_ name: String) throws(FilesError) {
        guard !name.isEmpty else { throw .invalidName("empty name") }
        guard !name.utf8.contains(0) else { throw .invalidName("name contains a NUL byte") }
        guard !name.hasPrefix("/") else { throw .invalidName("absolute paths are not allowed") }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains("..") else { throw .invalidName("'..' is not allowed") }
        guard components.count == 1 else { throw .invalidName("subdirectories are not supported") }
        guard name != "." else { throw .invalidName("'.' is not a file") }
        guard name.utf8.count <= maximumLength else { throw .invalidName("name longer than \(maximumLength) bytes") }
        guard !isTemporary(name) else { throw .invalidName("names starting with \(temporaryPrefix) are reserved") }
    }

    /// Whether `name` is one of the server's temporary files.
    static func isTemporary(_ name: String) -> Bool {
        name.hasPrefix(temporaryPrefix)
    }
}
