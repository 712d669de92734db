#if canImport(Glibc)
    import Glibc
#endif

/// Reads the shared secret of `--token-file`: the file's text without the whitespace
/// and newlines around it.
enum TokenFile {
    /// The largest token file read.
    static let maximumLength = 64 * 1024

    /// Reads the token in `path`.
    ///
    /// - Throws: ``CommandFailure`` when the file cannot be read, is not UTF-8, is
    ///   larger than 64 KiB, or holds no token.
    static func read(_ path: String) throws(CommandFailure) -> String {
        let bytes = try LocalFile.readAll(path, maximumLength: maximumLength)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CommandFailure("token file \(path) is not UTF-8 text")
        }
        let token = text.trimmingWhitespace
        guard !token.isEmpty else { throw CommandFailure("token file \(path) is empty") }
        return token
    }
}

extension String {
    /// The text without spaces, tabs and newlines at either end.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
