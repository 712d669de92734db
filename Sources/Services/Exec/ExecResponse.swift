/// The header of an `exec` response (`json` protocol); the body is ``standardOutputCount``
/// bytes of standard output, then ``standardErrorCount`` bytes of standard error.
///
/// On the wire: `{"exit": 0, "stdout": 12, "stderr": 0, "size": 12, "truncated": false}`,
/// plus `"error": "…"` when the program did not run or was stopped (not allowed, bad
/// token, no such program, timed out).
///
/// Exit codes follow the shell's conventions: 128 + N when signal N ended the program,
/// 124 when it timed out (as `timeout(1)` reports), 126 when it was not allowed, the
/// token was wrong or it could not be started, 127 when there is no such program, and
/// 2 for a request the server could not understand.
public struct ExecResponse: Codable, Sendable, Equatable {
    /// The exit code.
    public var exit: Int32
    /// How many body bytes are standard output.
    public var standardOutputCount: Int
    /// How many body bytes, after standard output, are standard error.
    public var standardErrorCount: Int
    /// The body's length: ``standardOutputCount`` + ``standardErrorCount``.
    public var size: Int
    /// Whether output past the server's `--max-output` was dropped.
    public var truncated: Bool
    /// Why the program did not run or did not finish, if so.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case exit, size, truncated, error
        case standardOutputCount = "stdout"
        case standardErrorCount = "stderr"
    }

    /// Creates a response header.
    public init(
        exit: Int32, standardOutputCount: Int = 0, standardErrorCount: Int = 0, truncated: Bool = false, error: String? = nil
    ) {
        self.exit = exit
        self.standardOutputCount = standardOutputCount
        self.standardErrorCount = standardErrorCount
        self.size = standardOutputCount + standardErrorCount
        self.truncated = truncated
        self.error = error
    }

    /// Exit code for a request the server could not understand.
    public static let badRequestExit: Int32 = 2
    /// Exit code for a timed-out program, as `timeout(1)` reports it.
    public static let timedOutExit: Int32 = 124
    /// Exit code for a program that is not allowed, a bad token, or a failed start.
    public static let cannotRunExit: Int32 = 126
    /// Exit code for a program that does not exist.
    public static let notFoundExit: Int32 = 127
}
