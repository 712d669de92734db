/// A failure a command reports as one line, `sock: MESSAGE`, with an exit code
/// (see ``Sock/main()``).
struct CommandFailure: Error, CustomStringConvertible {
    /// What went wrong, for a person.
    var message: String
    /// The process's exit code.
    var exitCode: Int32

    /// Creates a failure.
    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    /// The message.
    var description: String { message }
}
