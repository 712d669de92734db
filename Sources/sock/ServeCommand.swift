import ArgumentParser
import Logging
#if canImport(Glibc)
import Glibc
#endif
import ServiceLifecycle
import Services
import Sockets

/// `sock serve SERVICE`: runs a service until SIGINT/SIGTERM (SPEC §4).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a service: echo, upper, hello, time, chat, exec or files."
    )

    @Argument(help: "The service to run.")
    var service: String

    @Option(help: "The address to listen on: HOST:PORT, [IPV6]:PORT or unix:PATH.")
    var listen = "127.0.0.1:9999"

    @Option(help: "Close connections past this many open ones.")
    var maxConnections = 10_000

    @Option(help: "Close a connection silent for this many seconds.")
    var idleTimeout: Double = 300

    @Flag(help: "Do not log connections.")
    var quiet = false

    func run() async throws {
        guard service == "echo" else { throw ValidationError("unknown service '\(service)'") }
        let listener = try Socket.listen(on: listen)
        let logger = StandardErrorLog.logger(quiet: quiet)
        let server = Server(
            listeners: [listener],
            configuration: ServerConfiguration(
                maxConnections: maxConnections, idleTimeout: .milliseconds(Int64(idleTimeout * 1000))),
            logger: logger,
            handler: EchoService.serve)
        let address = try listener.localAddress()
        print("listening on \(address)")
        flushStandardOutput()
        // SPEC §4: on exit the unix socket file goes away with the server.
        defer { if case .unix(let path) = address, !path.isEmpty { unlink(path) } }
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
