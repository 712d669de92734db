#if canImport(Glibc)
    import Glibc
#endif

/// How a command run to completion ended, and what it wrote.
public struct ProcessResult: Sendable {
    /// The exit code, or 128 + N if signal N ended it.
    public var status: Int32
    /// Everything it wrote on stdout.
    public var standardOutput: [UInt8]
    /// Everything it wrote on stderr, as text.
    public var standardError: String

    /// Stdout as text.
    public var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
    /// Stdout split at every newline (a final newline gives a last empty line).
    public var outputLines: [String] {
        outputText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
    /// The non-empty lines of stderr.
    public var errorLines: [String] { standardError.split(separator: "\n").map(String.init) }
}

extension ChildProcess {
    /// Runs `executable` to completion with `input` on its stdin; kills it past `timeout`.
    ///
    /// It blocks the calling thread: from an async test, call it through ``onThread(_:)``.
    ///
    /// - Throws: ``HarnessError`` if it does not exit in time.
    public static func run(
        _ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String] = [:],
        directory: String? = nil, timeout: Duration = .seconds(20)
    ) throws -> ProcessResult {
        let child = try ChildProcess(executable, arguments, environment: environment, directory: directory, input: input)
        guard let status = child.waitForExit(timeout: timeout) else {
            child.stop(SIGKILL)
            throw HarnessError("\(executable) \(arguments) did not exit within \(timeout); stderr: \(child.standardError.text)")
        }
        child.standardOutput.waitForEnd()
        child.standardError.waitForEnd()
        return ProcessResult(status: status, standardOutput: child.standardOutput.bytes, standardError: child.standardError.text)
    }
}
