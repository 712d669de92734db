import ArgumentParser
import Services

/// The options of `sock serve exec` (SPEC §4 exec), shown under their own title:
/// `--allow PROGRAM … [--token-file F] [--timeout S] [--max-output B] [--protocol json|seed]`.
struct ServeExecOptions: ParsableArguments {
    /// The programs clients may run.
    @Option(
        help: ArgumentHelp(
            "A program clients may run, by name (looked up in PATH) or absolute path; repeat it. '*' allows every program.",
            valueName: "program"))
    var allow: [String] = []

    /// The token every request must carry.
    @OptionGroup var tokenFile: TokenFileOption

    /// Seconds before a program's process group is killed; nil for the default.
    @Option(help: ArgumentHelp("Kill a program's process group after this many seconds (default 10).", valueName: "seconds"))
    var timeout: Double?

    /// Bytes of stdout and stderr kept; nil for the default.
    @Option(
        help: ArgumentHelp(
            "Keep at most this many bytes of a program's stdout and stderr together (default 1048576).", valueName: "bytes"))
    var maxOutput: Int?

    /// The wire protocol; nil for the default (json).
    @Option(
        name: .customLong("protocol"),
        help: "json (JSON-header messages, the default) or seed (seed 003's struct.pack('i') replies).")
    var execProtocol: ExecService.WireProtocol?

    /// The first of these options given, by its name (`--allow`): another service refuses it.
    var firstGiven: String? {
        let given = [
            ("--allow", !allow.isEmpty), ("--token-file", tokenFile.path != nil), ("--timeout", timeout != nil),
            ("--max-output", maxOutput != nil), ("--protocol", execProtocol != nil),
        ]
        return given.first(where: \.1)?.0
    }

    /// The exec service these options describe.
    ///
    /// - Parameter quiet: Whether connections go unlogged (`--quiet`).
    /// - Throws: ``CommandFailure`` without `--allow`, with a token and the seed
    ///   protocol (which has no place for one), with limits that are not positive, or
    ///   when the token file cannot be read.
    func makeService(quiet: Bool) throws -> ExecService {
        guard !allow.isEmpty else {
            throw CommandFailure("exec needs at least one --allow PROGRAM (--allow '*' allows every program)")
        }
        let timeout = timeout ?? 10
        let maxOutput = maxOutput ?? 1024 * 1024
        let execProtocol = execProtocol ?? .json
        guard timeout > 0, timeout.isFinite else { throw CommandFailure("--timeout must be a positive number of seconds") }
        guard maxOutput >= 0 else { throw CommandFailure("--max-output must not be negative") }
        if tokenFile.path != nil && execProtocol == .seed {
            throw CommandFailure("--token-file needs --protocol json: seed 003's protocol has no place for a token")
        }
        let token = try tokenFile.token()
        let logger = StandardErrorLog.logger(quiet: quiet)
        let allowList = ExecAllowList(allow)
        if allowList.allowsEverything {
            logger.warning("--allow '*' lets every client run any program as this user")
        }
        return ExecService(
            allowList: allowList, token: token,
            runner: CommandRunner(timeout: .milliseconds(Int64(timeout * 1000)), maximumOutput: maxOutput),
            wireProtocol: execProtocol, logger: logger)
    }
}

extension ExecService.WireProtocol: ExpressibleByArgument {}
