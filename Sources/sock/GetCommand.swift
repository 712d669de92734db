import ArgumentParser
import Services

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `sock get ADDR NAME [-o FILE]`: fetches a file from a `files` server, checks its
/// SHA-256, and only then gives it its name (written to a temporary file beside it,
/// fsynced and renamed: a failed or interrupted get leaves nothing behind).
struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Fetch a file from a files server (sock serve files).",
        discussion: """
            -o - writes to standard output (the checksum is still checked, at the end).

            Examples:
                sock get 127.0.0.1:9999 report.pdf -o copy.pdf
                # to stdout
                sock get unix:/tmp/files.sock notes.txt -o - | less
            """
    )

    @OptionGroup var server: ClientOptions

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var dump: HexFlag

    @OptionGroup(title: "TLS options") var tls: TLSClientOptions

    @Argument(help: "The file's name on the server.")
    var name: String

    @Option(
        name: .short,
        help: ArgumentHelp(
            "Where to write it (default: NAME in the current directory; - for standard output).", valueName: "file"))
    var output: String?

    @OptionGroup var progressFlag: ProgressFlag

    func run() throws {
        let client = try JSONHeaderClient(
            connectingTo: server.address, speaking: "files", options: connection, hex: dump, tls: tls)
        try client.send(header: FilesRequest(op: "get", name: name))
        let (response, bodyLength) = try client.receiveHeader(FilesResponse.self)
        guard response.ok else { throw CommandFailure(response.error ?? "refused") }
        guard let expected = response.sha256.flatMap(ContentHasher.normalized), response.size == bodyLength else {
            throw CommandFailure("\(server.address): the server's response is not understood")
        }

        let destination = output ?? name
        let toStandardOutput = destination == "-"
        let file = toStandardOutput ? LocalFile.standardOutput : try LocalFile.createTemporary(besides: destination)
        var kept = false
        if !toStandardOutput { InterruptCleanup.register(file.path) }
        defer {
            if !kept && !toStandardOutput { unlink(file.path) }
            InterruptCleanup.unregister()
        }

        var hasher = ContentHasher()
        var progress = ProgressBar(
            label: name, total: bodyLength, quiet: progressFlag.quiet || toStandardOutput && isatty(STDOUT_FILENO) == 1,
            verbose: connection.verbose)
        var received = 0
        defer {
            if kept { progress.finish(bytes: bodyLength, outcome: "sha256 ok") } else { progress.abandon() }
        }
        try client.readBody(count: bodyLength) { chunk in
            hasher.update(chunk)
            try file.write(chunk)
            received += chunk.count
            progress.update(received)
        }
        let actual = hasher.finalize()
        guard actual == expected else {
            throw CommandFailure("checksum mismatch for \(name): expected sha256 \(expected), got \(actual)")
        }
        if !toStandardOutput {
            try file.sync()
            guard rename(file.path, destination) == 0 else { throw LocalFile.failure("create \(destination)") }
        }
        kept = true
    }
}
