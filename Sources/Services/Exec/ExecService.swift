import Crypto
import Framing
import Logging
import Sockets

/// `exec` (seed 003's remote command server, made safe): runs allowed programs for the
/// client, never through a shell.
///
/// Two protocols (SPEC §4):
/// - `json` (default): requests and responses are JSON-header messages (``ExecRequest``,
///   ``ExecResponse`` then the output); the connection serves request after request.
///   A request that cannot be decoded, and a bad token, get an error response and end
///   the connection.
/// - `seed`: seed 003's exchange: each read is one command line; the reply is a
///   `struct.pack('i')`-framed message holding standard error if the program wrote
///   any, else standard output. Errors come back as standard error would.
public struct ExecService: StreamService {
    /// The wire protocol of an `exec` server.
    public enum WireProtocol: String, Sendable, CaseIterable {
        /// JSON-header requests and responses.
        case json
        /// Seed 003's raw command text and `struct.pack('i')`-framed replies.
        case seed
    }

    /// The programs that may run.
    public let allowList: ExecAllowList
    /// The shared secret requests must carry (`json` only), or `nil`.
    public let token: String?
    /// Runs the programs, with the time and output limits.
    public let runner: CommandRunner
    /// The wire protocol.
    public let wireProtocol: WireProtocol
    /// Where each command and its outcome is logged (at `.info`).
    public let logger: Logger?

    /// The most one `seed` read takes as a command line.
    static let seedCommandLimit = 64 * 1024

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - allowList: The programs that may run.
    ///   - token: A secret every `json` request must carry, or `nil`.
    ///   - runner: The time and output limits.
    ///   - wireProtocol: `json` (default) or `seed`.
    ///   - logger: Logs each command with its peer and exit code.
    public init(
        allowList: ExecAllowList, token: String? = nil, runner: CommandRunner = CommandRunner(),
        wireProtocol: WireProtocol = .json, logger: Logger? = nil
    ) {
        self.allowList = allowList
        self.token = token
        self.runner = runner
        self.wireProtocol = wireProtocol
        self.logger = logger
    }

    /// Serves requests until the client ends the stream.
    public func serve(_ connection: Connection) async throws {
        switch wireProtocol {
        case .json: try await serveJSON(connection)
        case .seed: try await serveSeed(connection)
        }
    }

    // MARK: json

    /// The outcome of one request: the response, and whether the connection goes on.
    private struct Reply {
        var header: ExecResponse
        var body: [UInt8] = []
        var closesConnection = false
    }

    private func serveJSON(_ connection: Connection) async throws {
        let encoder = JSONHeaderEncoder()
        var requests = connection.messages(JSONHeaderDecoder(maximumBodyLength: 0)).makeAsyncIterator()
        while true {
            let reply: Reply
            do {
                guard let message = try await requests.next() else { return }
                reply = await answer(message, peer: connection.peer)
            } catch let error as FramingError {
                let reason = if case .messageTooLarge = error { "exec requests carry no body" } else { "\(error)" }
                reply = Reply(header: ExecResponse(exit: ExecResponse.badRequestExit, error: reason), closesConnection: true)
            }
            try await connection.write(message: try JSONHeaderMessage(header: reply.header, body: reply.body), encoder: encoder)
            if reply.closesConnection { return }
        }
    }

    private func answer(_ message: JSONHeaderMessage, peer: SocketAddress) async -> Reply {
        let request: ExecRequest
        do {
            request = try message.decodeHeader(ExecRequest.self)
        } catch {
            let reason = "malformed request: expected {\"argv\": [...]} or {\"cmd\": \"...\"}"
            refused(reason, peer: peer)
            return Reply(header: ExecResponse(exit: ExecResponse.badRequestExit, error: reason), closesConnection: true)
        }
        if let token {
            guard let given = request.token else {
                refused("token required", peer: peer)
                return Reply(
                    header: ExecResponse(exit: ExecResponse.cannotRunExit, error: "token required"), closesConnection: true)
            }
            guard Self.constantTimeEquals(given, token) else {
                refused("bad token", peer: peer)
                return Reply(header: ExecResponse(exit: ExecResponse.cannotRunExit, error: "bad token"), closesConnection: true)
            }
        }
        let arguments: [String]
        switch (request.argv, request.cmd) {
        case (let argv?, nil):
            guard !argv.isEmpty else {
                return Reply(header: ExecResponse(exit: ExecResponse.badRequestExit, error: "empty argv"))
            }
            guard !argv.contains(where: { $0.unicodeScalars.contains("\0") }) else {
                return Reply(
                    header: ExecResponse(
                        exit: ExecResponse.badRequestExit, error: "\(CommandLineSplitter.SplitError.nulCharacter)"))
            }
            arguments = argv
        case (nil, let cmd?):
            do {
                arguments = try CommandLineSplitter.split(cmd)
            } catch {
                return Reply(header: ExecResponse(exit: ExecResponse.badRequestExit, error: "\(error)"))
            }
        default:
            return Reply(
                header: ExecResponse(exit: ExecResponse.badRequestExit, error: "give exactly one of argv and cmd"),
                closesConnection: true)
        }
        let outcome = await run(arguments, peer: peer)
        let header = ExecResponse(
            exit: outcome.exitCode, standardOutputCount: outcome.standardOutput.count,
            standardErrorCount: outcome.standardError.count, truncated: outcome.truncated, error: outcome.error)
        return Reply(header: header, body: outcome.standardOutput + outcome.standardError)
    }

    // MARK: seed

    private func serveSeed(_ connection: Connection) async throws {
        let encoder = LengthPrefixedEncoder(.seed)
        while true {
            let command = try await connection.read(upTo: Self.seedCommandLimit)
            if command.isEmpty { return }
            let outcome: Outcome
            do {
                outcome = await run(
                    try CommandLineSplitter.split(String(decoding: command, as: UTF8.self)), peer: connection.peer)
            } catch {
                outcome = Outcome(error: "\(error)", exitCode: ExecResponse.badRequestExit)
            }
            var standardError = outcome.standardError
            if let error = outcome.error { standardError += Array("exec: \(error)\n".utf8) }
            try await connection.write(message: standardError.isEmpty ? outcome.standardOutput : standardError, encoder: encoder)
        }
    }

    // MARK: running

    /// What running a command produced, or why it did not run.
    private struct Outcome {
        var exitCode: Int32
        var standardOutput: [UInt8] = []
        var standardError: [UInt8] = []
        var truncated = false
        var error: String?

        init(error: String, exitCode: Int32) {
            self.error = error
            self.exitCode = exitCode
        }

        init(_ result: CommandResult, timeout: Duration) {
            exitCode = result.isTimedOut ? ExecResponse.timedOutExit : result.exitCode
            standardOutput = result.standardOutput
            standardError = result.standardError
            truncated = result.isTruncated
            error = result.isTimedOut ? "timed out after \(timeout.formattedSeconds)" : nil
        }
    }

    /// Logs a request that is not run, with its reason, at `.info`: refusing is the
    /// service working as configured, not a fault of the server.
    private func refused(_ reason: String, peer: SocketAddress, program: String? = nil) {
        var metadata: Logger.Metadata = ["peer": "\(peer)", "reason": "\(reason)"]
        if let program { metadata["program"] = "\(program)" }
        logger?.info("exec refused", metadata: metadata)
    }

    /// Checks the program against the allow list and runs it.
    private func run(_ arguments: [String], peer: SocketAddress) async -> Outcome {
        let program = arguments[0]
        guard let executable = allowList.resolve(program) else {
            refused("not allowed", peer: peer, program: program)
            return Outcome(error: "not allowed: \(program)", exitCode: ExecResponse.cannotRunExit)
        }
        let outcome: Outcome
        do {
            outcome = Outcome(
                try await runner.run(executable, arguments: Array(arguments.dropFirst()), name: program), timeout: runner.timeout)
        } catch let error as CommandRunner.LaunchError {
            if case .notFound = error {
                outcome = Outcome(error: "\(error)", exitCode: ExecResponse.notFoundExit)
            } else {
                outcome = Outcome(error: "\(error)", exitCode: ExecResponse.cannotRunExit)
            }
        } catch {
            outcome = Outcome(error: "\(error)", exitCode: ExecResponse.cannotRunExit)
        }
        logger?.info(
            "exec",
            metadata: [
                "peer": "\(peer)", "argv": "\(arguments)", "exit": "\(outcome.exitCode)",
                "error": outcome.error.map { "\($0)" } ?? "none",
            ])
        return outcome
    }

    /// Compares two secrets in time that does not depend on where they differ: it
    /// compares their SHA-256 digests with swift-crypto's constant-time `==`.
    static func constantTimeEquals(_ given: String, _ expected: String) -> Bool {
        SHA256.hash(data: Array(given.utf8)) == SHA256.hash(data: Array(expected.utf8))
    }
}

extension Duration {
    /// `10 s`, `0.5 s`: the duration in seconds, for messages.
    var formattedSeconds: String {
        let (seconds, attoseconds) = components
        guard attoseconds != 0 else { return "\(seconds) s" }
        return "\(secondsValue) s"
    }
}
