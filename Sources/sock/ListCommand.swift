import ArgumentParser
import Services

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `sock ls ADDR`: lists the files of a `files` server, one line each: the size in
/// bytes (right-aligned) and the name, sorted by name.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the files on a files server (sock serve files).",
        discussion: """
            Examples:
                sock ls 127.0.0.1:9999
            """
    )

    @OptionGroup var server: ClientOptions

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup(title: "TLS options") var tls: TLSClientOptions

    func run() throws {
        let client = try JSONHeaderClient(connectingTo: server.address, speaking: "files", options: connection, tls: tls)
        try client.send(header: FilesRequest(op: "list"))
        let (response, _) = try client.receiveHeader(FilesResponse.self)
        guard response.ok else { throw CommandFailure(response.error ?? "refused") }
        let files = response.files ?? []
        let width = files.map { String($0.size).count }.max() ?? 0
        for file in files {
            let size = String(file.size)
            print(String(repeating: " ", count: width - size.count) + size + " " + file.name)
        }
        if response.truncated == true {
            fputs("sock: the list is cut short: the server has more files than one response holds\n", stderr)
        }
    }
}
