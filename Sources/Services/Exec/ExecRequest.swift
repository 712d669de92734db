/// The header of an `exec` request (`json` protocol): what to run, and the token when
/// the server has one. Exactly one of ``argv`` and ``cmd`` is given.
///
/// On the wire: `{"argv": ["ls", "-l"]}` or `{"cmd": "ls -l"}`, plus `"token": "…"`.
public struct ExecRequest: Codable, Sendable, Equatable {
    /// The program and its arguments, each passed as it is.
    public var argv: [String]?
    /// A command line, split with ``CommandLineSplitter`` (quotes and backslashes, no shell).
    public var cmd: String?
    /// The shared secret of a server started with `--token-file`.
    public var token: String?

    /// Creates a request.
    public init(argv: [String]? = nil, cmd: String? = nil, token: String? = nil) {
        self.argv = argv
        self.cmd = cmd
        self.token = token
    }
}
