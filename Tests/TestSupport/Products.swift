import Foundation

/// Where the package's built executables and test scripts are.
public enum Products {
    /// The build products folder: `swift build` puts `sock` and `seeds` next to the test bundle.
    public static let directory: String = {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (executable as NSString).deletingLastPathComponent
    }()

    /// The path of the built executable `name` (which may not exist).
    public static func path(_ name: String) -> String { directory + "/" + name }

    /// The built executable `name`; throws if it was not built.
    public static func executable(_ name: String) throws -> String {
        let path = path(name)
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HarnessError("\(name) not found in \(directory); build it with `swift build`")
        }
        return path
    }

    /// The `sock` executable under test.
    public static var sock: String { path("sock") }

    /// `Tests/Python`, where the seeds' clients ported to Python 3 live.
    public static let pythonDirectory: String = {
        let testsDirectory = ((#filePath as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        return testsDirectory + "/Python"
    }()

    /// A script in `Tests/Python`.
    public static func python(_ name: String) -> String { pythonDirectory + "/" + name }

    /// Whether an executable named `program` is in a directory of `PATH`.
    public static func isOnPath(_ program: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
    }
}
