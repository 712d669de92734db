import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A new, empty directory under `/tmp` (short paths: Unix socket paths are limited to
/// 107 bytes), removed by ``remove()``; call it in a `defer` so every path cleans up.
public final class TemporaryDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// Creates the directory, named after `label`.
    public init(_ label: String = "sockets-tests") throws {
        var template = Array("/tmp/\(label)-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw HarnessError("mkdtemp failed: errno \(errno)") }
        path = String(cString: created)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Removes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
