import ArgumentParser
import Services
import Sockets

/// `sock put ADDR FILE [--as NAME]`: stores a local file on a `files` server.
struct PutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Store a file on a files server (sock serve files).",
        discussion: """
            The server keeps it only when all of it arrived and its SHA-256 matches.

            Examples:
                sock put 127.0.0.1:9999 report.pdf
                sock put unix:/tmp/files.sock draft.txt --as final.txt
            """
    )

    @OptionGroup var server: ClientOptions

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var dump: HexFlag

    @OptionGroup(title: "TLS options") var tls: TLSClientOptions

    @Argument(help: "The local file to send.")
    var file: String

    @Option(
        name: .customLong("as"),
        help: ArgumentHelp("The name to store it under (default: the file's own name).", valueName: "name"))
    var name: String?

    @OptionGroup var progressFlag: ProgressFlag

    func run() throws {
        let name = name ?? String(file.split(separator: "/").last ?? Substring(file))
        let local = try LocalFile.openForReading(file)
        let size = try local.regularFileSize()
        let digest = try Self.digest(of: local, size: size)

        let client = try JSONHeaderClient(
            connectingTo: server.address, speaking: "files", options: connection, hex: dump, tls: tls)
        try client.send(header: FilesRequest(op: "put", name: name, size: size, sha256: digest))
        var progress = ProgressBar(label: name, total: size, quiet: progressFlag.quiet, verbose: connection.verbose)
        var stored = false
        // The server stores a put only when its SHA-256 matches the one sent.
        defer { if stored { progress.finish(bytes: size, outcome: "sha256 ok") } else { progress.abandon() } }
        do {
            try Self.sendBody(of: local, size: size, to: client, progress: &progress)
        } catch let error as SocketError where error.kind == .connectionReset {
            // The server refused the put and stopped reading; its reason may be waiting.
            guard let (response, _) = try? client.receiveHeader(FilesResponse.self), !response.ok else { throw error }
            throw CommandFailure(response.error ?? "refused")
        }
        let (response, _) = try client.receiveHeader(FilesResponse.self)
        guard response.ok else { throw CommandFailure(response.error ?? "refused") }
        stored = true
    }

    /// Sends the file's first `size` bytes, stopping early when the server has answered
    /// already (it refused the put).
    private static func sendBody(of local: LocalFile, size: Int, to client: JSONHeaderClient, progress: inout ProgressBar) throws
    {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: JSONHeaderClient.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var sent = 0
        while sent < size, !client.responseArrived {
            let count = try local.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, size - sent)]))
            guard count > 0 else { throw CommandFailure("\(local.path) shrank while it was sent") }
            try client.sendBody(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            sent += count
            progress.update(sent)
        }
    }

    /// The SHA-256 of the file's first `size` bytes; leaves the file at its start.
    private static func digest(of local: LocalFile, size: Int) throws -> String {
        var hasher = ContentHasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: JSONHeaderClient.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var hashed = 0
        while hashed < size {
            let count = try local.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, size - hashed)]))
            guard count > 0 else { throw CommandFailure("\(local.path) shrank while it was read") }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            hashed += count
        }
        try local.rewind()
        return hasher.finalize()
    }
}
