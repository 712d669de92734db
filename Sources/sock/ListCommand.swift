import ArgumentParser
import Foundation
import Services

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `sock ls ADDR [-h] [--json]`: lists the files of a `files` server, one line each:
/// the size (bytes, or with `-h` in binary units) right-aligned, and the name, sorted
/// by name; `--json` prints one JSON document instead.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the files on a files server (sock serve files).",
        discussion: """
            --json prints one document, keys sorted:
            {"files":[{"name":"a.txt","size":3}],"truncated":false}

            Examples:
                sock ls 127.0.0.1:9999
                sock ls -h unix:/tmp/files.sock
                sock ls 127.0.0.1:9999 --json | jq -r '.files[].name'
                # the protocol's bytes both ways, on stderr
                sock ls 127.0.0.1:9999 --hex
            """,
        // -h is ls's human-readable sizes here, as in ls(1); --help still shows the help.
        helpNames: [.long]
    )

    /// What `--json` prints: the server's list, with `truncated` always present.
    private struct Listing: Encodable {
        var files: [FilesResponse.Entry]
        var truncated: Bool
    }

    @OptionGroup var server: ClientOptions

    @Flag(name: [.customShort("h"), .customLong("human-readable")], help: "Sizes in KiB, MiB, GiB (as ls -h).")
    var humanReadable = false

    @Flag(help: "Print one JSON document (sizes in bytes, -h or not).")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var dump: HexFlag

    @OptionGroup(title: "TLS options") var tls: TLSClientOptions

    func run() throws {
        let client = try JSONHeaderClient(
            connectingTo: server.address, speaking: "files", options: connection, hex: dump, tls: tls)
        try client.send(header: FilesRequest(op: "list"))
        let (response, _) = try client.receiveHeader(FilesResponse.self)
        guard response.ok else { throw CommandFailure(response.error ?? "refused") }
        let files = response.files ?? []
        let truncated = response.truncated == true
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let document = try encoder.encode(Listing(files: files, truncated: truncated))
            print(String(decoding: document, as: UTF8.self))
            return
        }
        let sizes = files.map { humanReadable ? HumanSize.bytes($0.size) : String($0.size) }
        let width = sizes.map(\.count).max() ?? 0
        for (file, size) in zip(files, sizes) {
            print(String(repeating: " ", count: width - size.count) + size + " " + file.name)
        }
        if truncated {
            writeStandardError("sock: the list is cut short: the server has more files than one response holds\n")
        }
    }
}
