import ArgumentParser
import Sockets

/// `sock resolve HOST [PORT]`: prints what getaddrinfo returns, one address per line.
struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Show what getaddrinfo returns for a host (and port)."
    )

    @Argument(help: "A host name or numeric address.")
    var host: String

    @Argument(help: "A port number or service name.")
    var port: String?

    func run() throws {
        let results = try Resolver.addressInfo(host: host, port: port, flags: [.canonicalName])
        for info in results {
            print(info)
        }
    }
}
