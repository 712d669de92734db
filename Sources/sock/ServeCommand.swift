import ArgumentParser
import Framing
import Logging
import ServiceLifecycle
import Services
import Sockets

#if canImport(Glibc)
    import Glibc
#endif

/// `sock serve SERVICE`: runs a service until SIGINT/SIGTERM (SPEC §4).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a service until SIGINT or SIGTERM.",
        discussion: """
            Examples:
                # on 127.0.0.1:9999
                sock serve echo
                sock serve upper --listen '[::1]:7000' --udp
                sock serve chat --listen unix:/tmp/chat.sock
                sock serve exec --allow ls --token-file ~/.sock-token
                sock serve files --root ~/shared --read-only
            """
    )

    /// The services, each described in one line of the help.
    enum ServiceName: String, ExpressibleByArgument, CaseIterable {
        case echo, upper, hello, time, chat, exec, files

        /// What the service does, for the help screen.
        var defaultValueDescription: String {
            switch self {
            case .echo: "sends every message back unchanged (also --udp)"
            case .upper: "sends every message back upper-cased (also --udp)"
            case .hello: "greets with Welcome! and answers M with Hello, M!; exit closes"
            case .time: "answers M with [TIMESTAMP] M"
            case .chat: "a chat room: /nick NAME, /who, /msg NAME TEXT, /quit (also --udp)"
            case .exec: "runs the allowed programs for sock exec (see exec options)"
            case .files: "stores and serves files for sock put, get and ls (see files options)"
            }
        }
    }

    @Argument(help: ArgumentHelp("The service:", argumentType: ServiceName.self))
    var service: ServiceName

    @Option(help: "The address to listen on: HOST:PORT, [IPV6]:PORT or unix:PATH.")
    var listen = "127.0.0.1:9999"

    @OptionGroup var transport: DatagramFlag

    @OptionGroup var framingOption: FramingOption

    @Option(name: .customLong("max-connections"), help: "Past this many open connections, new ones are closed at once.")
    var maximumConnections = 10_000

    @Option(help: "Close a connection silent for this many seconds.")
    var idleTimeout: Double = 300

    @Flag(help: "Do not log connections.")
    var quiet = false

    @OptionGroup var threads: ThreadsOption

    @Flag(
        name: .customLong("reuse-port"),
        help: "One SO_REUSEPORT listener per reactor, each keeping its connections (the kernel spreads them).")
    var reusePort = false

    @OptionGroup(title: "exec options") var exec: ServeExecOptions

    @OptionGroup(title: "files options") var files: ServeFilesOptions

    @OptionGroup(title: "TLS options") var tls: ServeTLSOptions

    @OptionGroup(title: "cluster chat options") var clusterOptions: ClusterOptions

    func validate() throws {
        let udp = transport.udp
        if udp && ![.echo, .upper, .chat].contains(service) {
            throw ValidationError("\(service.rawValue) does not support --udp (echo, upper and chat do)")
        }
        if reusePort && (udp || listen.hasPrefix("unix:")) {
            throw ValidationError("--reuse-port is for TCP listeners")
        }
        if framingOption.given != nil && [.exec, .files].contains(service) {
            throw ValidationError("\(service.rawValue) has its own protocol; --framing is for echo, upper, hello, time and chat")
        }
        if tls.isEnabled && udp { throw ValidationError("TLS is for streams, not --udp") }
        if framingOption.given != nil && udp {
            throw ValidationError("--framing is for streams: with --udp every datagram is one message")
        }
        if service != .exec, let name = exec.firstGiven {
            throw ValidationError("\(name) is an exec option; \(service.rawValue) does not take it")
        }
        if service != .files, let name = files.firstGiven {
            throw ValidationError("\(name) is a files option; \(service.rawValue) does not take it")
        }
        if (service != .chat || udp) && clusterOptions.cluster != nil {
            throw ValidationError("--cluster is for chat over TCP or unix streams")
        }
        if let name = clusterOptions.firstGivenWithoutCluster { throw ValidationError("\(name) needs --cluster") }
        guard maximumConnections > 0 else { throw ValidationError("--max-connections must be positive") }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be positive") }
    }

    /// The stream listeners: one, or with `--reuse-port` `count` sharing the port (the
    /// first one's, when `address` asks for port 0), each with `SO_REUSEPORT`.
    private static func listeners(on address: String, count: Int, reusePort: Bool) throws -> [Socket] {
        let first = try Socket.listen(on: address, reusePort: reusePort)
        var listeners = [first]
        do {
            let bound = try first.localAddress()
            while listeners.count < count {
                listeners.append(try Socket.listen(on: bound, reusePort: true))
            }
        } catch {
            for listener in listeners { listener.close() }
            throw error
        }
        return listeners
    }

    func run() async throws {
        // Sockets send with MSG_NOSIGNAL, but a log line to a closed stderr pipe
        // (`sock serve echo 2>&1 | head -1`) would still raise SIGPIPE and kill the server.
        signal(SIGPIPE, SIG_IGN)
        // Trapped before `listening on` is printed: a signal any time after it stops gracefully.
        let shutdownSignals = await ShutdownSignals()
        let logger = StandardErrorLog.logger(quiet: quiet)
        let framing = framingOption.framing(default: service == .echo ? .raw : .line)
        let unixPath = UnixSocketFile.path(of: listen)
        let cluster = try clusterOptions.makeCluster(logger: logger)
        let service: any Service
        let address: SocketAddress
        var server: Server?
        if transport.udp {
            if let unixPath { try UnixSocketFile.prepare(unixPath, type: .datagram) }
            let socket = try Socket.bindDatagram(to: listen)
            address = try socket.localAddress()
            service = GracefulService(
                self.service == .echo
                    ? DatagramServer.echo(socket: socket, logger: logger)
                    : DatagramServer(socket: socket, logger: logger, handler: try datagramHandler(logger: logger)))
        } else {
            let handler = try streamService(framing: framing, cluster: cluster)
            let tlsContext = try tls.makeContext(listenAddress: listen)
            if let unixPath { try UnixSocketFile.prepare(unixPath, type: .stream) }
            let reactors = try threads.makeReactors()
            let listeners = try Self.listeners(on: listen, count: reusePort ? reactors.count : 1, reusePort: reusePort)
            address = try listeners[0].localAddress()
            let streamServer = Server(
                listeners: listeners,
                configuration: ServerConfiguration(
                    maximumConnections: maximumConnections, idleTimeout: .milliseconds(Int64(idleTimeout * 1000)),
                    tls: tlsContext, spreading: reusePort ? .byListener : .roundRobin),
                logger: logger,
                reactors: reactors,
                handler: handler.serve)
            server = streamServer
            service = GracefulService(streamServer)
        }
        let socketFile = unixPath.flatMap(UnixSocketFile.init(boundAt:))
        defer { socketFile?.remove() }
        print("listening on \(address)")
        flushStandardOutput()
        // The cluster bridge stops after the server (reverse order): its members' `left` go out.
        let services: [any Service] = cluster.map { [$0, service] } ?? [service]
        let shutdown = ShutdownRecord(server: server)
        try await shutdownSignals.run(ServiceGroup(services: services, logger: logger), signalled: { shutdown.signalled($0) })
        shutdown.log(to: logger)
    }

    private func streamService(framing: Framing, cluster: ChatCluster?) throws -> any StreamService {
        switch service {
        case .echo: return EchoService(framing: framing)
        case .upper: return UpperService(framing: framing)
        case .hello: return HelloService(framing: framing)
        case .time: return TimeService(framing: framing)
        case .chat: return ChatService(framing: framing, cluster: cluster)
        case .exec: return try exec.makeService(quiet: quiet)
        case .files: return try files.makeService(quiet: quiet)
        }
    }

    private func datagramHandler(logger: Logger) throws -> DatagramServer.Handler {
        switch service {
        case .upper: return upperDatagram
        case .chat: return DatagramChatService(logger: logger).handle
        default: throw ValidationError("\(service.rawValue) does not support --udp")
        }
    }
}
