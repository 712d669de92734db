import ArgumentParser
import Sockets

/// `sock resolve HOST [PORT]`: prints what getaddrinfo returns, one address per line.
struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Show what getaddrinfo returns for a host (and port).",
        discussion: """
            Examples:
                sock resolve localhost 80
                # a service name as the port
                sock resolve example.org https
            """
    )

    @Argument(help: "A host name or numeric address.")
    var host: String

    @Argument(help: "A port number or service name.")
    var port: String?

    func run() throws {
        // getaddrinfo takes any number and keeps its low 16 bits: 99999 would be 34463.
        if let port, !port.isEmpty, port.utf8.allSatisfy({ (0x30...0x39).contains($0) }), Int(port).map({ $0 > 65_535 }) ?? true {
            throw CommandFailure("port \(port) is out of range (0-65535)")
        }
        let results = try Resolver.addressInfo(host: host, port: port, flags: [.canonicalName])
        for info in results {
            print(info)
        }
    }
}
