import ArgumentParser
import Services

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `sock exec ADDR [--token-file F] -- PROGRAM ARGS...`: runs a program on an `exec`
/// server; its stdout and stderr come out here, and its exit code is ours.
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a program on an exec server (sock serve exec).",
        discussion: """
            The program and its arguments follow `--` and are sent as they are (no shell \
            on either side). Exits with the program's exit code; when it did not run, \
            prints why (`sock: not allowed: rm`) and exits 126 (not allowed, bad token), \
            127 (no such program) or 124 (timed out).

            Examples:
                sock exec 127.0.0.1:9999 --token-file ~/.sock-token -- ls -l /tmp
                # the request and the response, dumped on stderr
                sock exec 127.0.0.1:9999 --hex -- date
            """
    )

    @OptionGroup var server: ClientOptions

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var dump: HexFlag

    @OptionGroup(title: "TLS options") var tls: TLSClientOptions

    @OptionGroup var tokenFile: TokenFileOption

    @Argument(parsing: .postTerminator, help: "The program and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else {
            throw ValidationError("give the program after --, e.g. sock exec \(server.address) -- ls -l")
        }
    }

    func run() throws {
        let token = try tokenFile.token()
        let client = try JSONHeaderClient(
            connectingTo: server.address, speaking: "exec", options: connection, hex: dump, tls: tls)
        try client.send(header: ExecRequest(argv: command, token: token))
        let (response, bodyLength) = try client.receiveHeader(ExecResponse.self)
        guard response.standardOutputCount >= 0, response.standardErrorCount >= 0,
            response.standardOutputCount + response.standardErrorCount == bodyLength
        else {
            throw CommandFailure("\(server.address): the server's response is not understood")
        }
        try client.readBody(count: response.standardOutputCount) { try LocalFile.standardOutput.write($0) }
        try client.readBody(count: response.standardErrorCount) { try LocalFile.standardError.write($0) }
        if let error = response.error {
            throw CommandFailure(error, exitCode: response.exit == 0 ? 1 : response.exit)
        }
        if response.truncated {
            fputs("sock: output truncated by the server's --max-output\n", stderr)
        }
        if response.exit != 0 { throw ExitCode(response.exit) }
    }
}
