import ArgumentParser
import Services

/// The options of `sock serve files` (SPEC §4 files), shown under their own title:
/// `--root DIR [--max-size BYTES] [--read-only]`.
struct ServeFilesOptions: ParsableArguments {
    /// The directory the files live in.
    @Option(help: ArgumentHelp("The directory to store and serve files in.", valueName: "dir"))
    var root: String?

    /// The largest file stored; nil for no limit.
    @Option(help: ArgumentHelp("Refuse to store a file larger than this (default: no limit).", valueName: "bytes"))
    var maxSize: Int?

    /// Whether puts are refused.
    @Flag(help: "Refuse puts.")
    var readOnly = false

    /// The first of these options given, by its name (`--root`): another service refuses it.
    var firstGiven: String? {
        [("--root", root != nil), ("--max-size", maxSize != nil), ("--read-only", readOnly)].first(where: \.1)?.0
    }

    /// The files service these options describe.
    ///
    /// - Parameter quiet: Whether connections go unlogged (`--quiet`).
    /// - Throws: ``CommandFailure`` without `--root`, or when it cannot be opened.
    func makeService(quiet: Bool) throws -> FilesService {
        guard let root else { throw CommandFailure("files needs --root DIR") }
        if let maxSize, maxSize < 0 { throw CommandFailure("--max-size must not be negative") }
        do {
            return try FilesService(
                root: root, maximumSize: maxSize, readOnly: readOnly, logger: StandardErrorLog.logger(quiet: quiet))
        } catch {
            throw CommandFailure("--root: \(error)")
        }
    }
}
