import ArgumentParser
import Framing
import Logging
#if canImport(Glibc)
import Glibc
#endif
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
        abstract: "Run a service: echo, upper, hello, time, chat, exec or files."
    )

    enum ServiceName: String, ExpressibleByArgument, CaseIterable {
        case echo, upper, hello, time, chat, exec, files
    }

    @Argument(help: "The service: \(ServiceName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var service: ServiceName

    @Option(help: "The address to listen on: HOST:PORT, [IPV6]:PORT or unix:PATH.")
    var listen = "127.0.0.1:9999"

    @Flag(help: "Serve datagrams (UDP, or unix datagrams) instead of a stream (echo, upper, chat).")
    var udp = false

    @Option(help: "How messages are delimited: raw, line, length or seed (default: raw for echo, line otherwise).")
    var framing: Framing?

    @Option(help: "Past this many open connections, new ones are closed at once.")
    var maxConnections = 10_000

    @Option(help: "Close a connection silent for this many seconds.")
    var idleTimeout: Double = 300

    @Flag(help: "Do not log connections.")
    var quiet = false

    @Option(help: ArgumentHelp("exec: a program clients may run, by name (looked up in PATH) or absolute path; repeat it. '*' allows every program.", valueName: "program"))
    var allow: [String] = []

    @Option(help: ArgumentHelp("exec: a file holding a secret every request must carry.", valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("exec: kill a program's process group after this many seconds (default 10).", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp("exec: keep at most this many bytes of a program's stdout and stderr together (default 1048576).", valueName: "bytes"))
    var maxOutput: Int?

    @Option(name: .customLong("protocol"), help: "exec: json (JSON-header messages, the default) or seed (seed 003's struct.pack('i') replies).")
    var execProtocol: ExecService.WireProtocol?

    @Option(help: ArgumentHelp("files: the directory to store and serve files in.", valueName: "dir"))
    var root: String?

    @Option(help: ArgumentHelp("files: refuse to store a file larger than this (default: no limit).", valueName: "bytes"))
    var maxSize: Int?

    @Flag(help: "files: refuse puts.")
    var readOnly = false

    func validate() throws {
        if udp && ![.echo, .upper, .chat].contains(service) {
            throw ValidationError("\(service.rawValue) does not support --udp (echo, upper and chat do)")
        }
        if framing != nil && [.exec, .files].contains(service) {
            throw ValidationError("\(service.rawValue) has its own protocol; --framing is for echo, upper, hello, time and chat")
        }
        if framing != nil && udp {
            throw ValidationError("--framing is for streams: with --udp every datagram is one message")
        }
        let execOptions = [
            ("--allow", !allow.isEmpty), ("--token-file", tokenFile != nil), ("--timeout", timeout != nil),
            ("--max-output", maxOutput != nil), ("--protocol", execProtocol != nil),
        ]
        if service != .exec, let (name, _) = execOptions.first(where: \.1) {
            throw ValidationError("\(name) is an exec option; \(service.rawValue) does not take it")
        }
        let filesOptions = [("--root", root != nil), ("--max-size", maxSize != nil), ("--read-only", readOnly)]
        if service != .files, let (name, _) = filesOptions.first(where: \.1) {
            throw ValidationError("\(name) is a files option; \(service.rawValue) does not take it")
        }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be positive") }
    }

    func run() async throws {
        // Sockets send with MSG_NOSIGNAL, but a log line to a closed stderr pipe
        // (`sock serve echo 2>&1 | head -1`) would still raise SIGPIPE and kill the server.
        signal(SIGPIPE, SIG_IGN)
        // Trapped before `listening on` is printed: a signal any time after it stops gracefully.
        let shutdownSignals = await ShutdownSignals()
        let logger = StandardErrorLog.logger(quiet: quiet)
        let framing = framing ?? (service == .echo ? .raw : .line)
        // An abstract name (`unix:@name`) has no file.
        let unixPath = listen.hasPrefix("unix:") && !listen.hasPrefix("unix:@") ? String(listen.dropFirst(5)) : nil
        let service: any Service
        let address: SocketAddress
        if udp {
            if let unixPath { try UnixSocketFile.prepare(unixPath, type: .datagram) }
            let socket = try Socket.bindDatagram(to: listen)
            address = try socket.localAddress()
            service = GracefulService(DatagramServer(socket: socket, logger: logger, handler: try datagramHandler(logger: logger)))
        } else {
            let handler = try streamService(framing: framing)
            if let unixPath { try UnixSocketFile.prepare(unixPath, type: .stream) }
            let listener = try Socket.listen(on: listen)
            address = try listener.localAddress()
            service = GracefulService(Server(
                listeners: [listener],
                configuration: ServerConfiguration(
                    maxConnections: maxConnections, idleTimeout: .milliseconds(Int64(idleTimeout * 1000))),
                logger: logger,
                handler: handler.serve))
        }
        let socketFile = unixPath.flatMap(UnixSocketFile.init(boundAt:))
        defer { socketFile?.remove() }
        print("listening on \(address)")
        flushStandardOutput()
        try await shutdownSignals.run(ServiceGroup(services: [service], logger: logger))
    }

    private func streamService(framing: Framing) throws -> any StreamService {
        switch service {
        case .echo: return EchoService(framing: framing)
        case .upper: return UpperService(framing: framing)
        case .hello: return HelloService(framing: framing)
        case .time: return TimeService(framing: framing)
        case .chat: return ChatService(framing: framing)
        case .exec: return try makeExecService()
        case .files: return try makeFilesService()
        }
    }

    private func datagramHandler(logger: Logger) throws -> DatagramServer.Handler {
        switch service {
        case .echo: return echoDatagram
        case .upper: return upperDatagram
        case .chat: return DatagramChatService(logger: logger).handle
        default: throw ValidationError("\(service.rawValue) does not support --udp")
        }
    }
}

extension Framing: ExpressibleByArgument {}

extension ExecService.WireProtocol: ExpressibleByArgument {}
