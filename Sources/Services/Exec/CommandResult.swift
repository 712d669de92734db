/// What running one program produced (see ``CommandRunner``).
public struct CommandResult: Sendable, Equatable {
    /// The exit code; 128 + N when signal N ended the program (as a shell reports it),
    /// so 137 when the timeout killed it.
    public var exitCode: Int32
    /// What it wrote to standard output, up to the output limit.
    public var standardOutput: [UInt8]
    /// What it wrote to standard error, up to what the output limit left.
    public var standardError: [UInt8]
    /// Whether output past the limit was discarded.
    public var isTruncated: Bool
    /// Whether the timeout killed its process group.
    public var isTimedOut: Bool

    /// Creates a result.
    public init(exitCode: Int32, standardOutput: [UInt8], standardError: [UInt8], isTruncated: Bool, isTimedOut: Bool) {
        self.exitCode = exitCode
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.isTruncated = isTruncated
        self.isTimedOut = isTimedOut
    }
}
