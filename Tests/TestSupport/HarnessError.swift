/// A failure of a test's own harness, not of the code under test: a process that did not
/// start or answer, a wait that timed out, a file that could not be made.
public struct HarnessError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// A failure described by `description`.
    public init(_ description: String) { self.description = description }
}
