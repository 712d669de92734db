import ArgumentParser
import Logging
import ServiceLifecycle
import Services
import Sockets

#if canImport(Glibc)
    import Glibc
#endif

/// `sock relay LISTEN TARGET`: a socat-style port forward (SPEC §5).
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Forward every connection to a target, like socat TCP-LISTEN:…,fork TCP:….",
        discussion: """
            Prints 'listening on ADDR' on stdout. Each accepted connection gets its own \
            connection to TARGET, and bytes are copied both ways; when one side ends its \
            stream, the other is half-closed, and the connection closes when both have. \
            A target that cannot be reached closes that client's connection. Logs each \
            connection on stderr, with the bytes each way when it closes; -v adds a line \
            when the target is connected (its address, the local address, the connect \
            time) and, at the close, TCP_INFO of both sides. --hex dumps both directions \
            on stderr, each line after the client's address ('>' client to target, '<' \
            back); the bytes then go through the process instead of splice(2). Runs until \
            SIGINT or SIGTERM.

            Examples:
                # forward port 8080
                sock relay 127.0.0.1:8080 example.org:http
                # see every connection and its bytes
                sock relay 127.0.0.1:8080 127.0.0.1:80 -v --hex 2> relay.log
                sock relay unix:/tmp/db.sock 127.0.0.1:5432
                sock relay 127.0.0.1:5353 127.0.0.53:domain --udp
            """
    )

    @Argument(help: "Where to listen: HOST:PORT, [IPV6]:PORT or unix:PATH (port 0: a free port).")
    var listen: String

    @Argument(help: "Where to forward to: HOST:PORT, [IPV6]:PORT or unix:PATH.")
    var target: String

    @OptionGroup var transport: DatagramFlag

    @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for the target to accept a connection.")
    var connectTimeout: Double = 10

    @Flag(help: "Do not log connections.")
    var quiet = false

    @Flag(
        name: [.customShort("v"), .long],
        help: "Also log each target connected (address, local address, connect time) and TCP_INFO at the close.")
    var verbose = false

    @Flag(help: "Hex dump of both directions on stderr, each line after the client's address.")
    var hex = false

    @OptionGroup var threads: ThreadsOption

    func validate() throws {
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be positive") }
        if transport.udp && (verbose || hex) { throw ValidationError("-v and --hex are for streams, not --udp") }
        if quiet && verbose { throw ValidationError("--quiet and -v exclude each other") }
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let shutdownSignals = await ShutdownSignals()
        let logger = StandardErrorLog.logger(quiet: quiet)
        let targets = try Resolver.resolve(target, type: transport.udp ? .datagram : .stream)
        guard !targets.isEmpty else { throw CommandFailure("\(target): no addresses") }
        let unixPath = UnixSocketFile.path(of: listen)
        let service: GracefulService
        let address: SocketAddress
        if transport.udp {
            if let unixPath { try UnixSocketFile.prepare(unixPath, type: .datagram) }
            let socket = try Socket.bindDatagram(to: listen)
            address = try socket.localAddress()
            service = GracefulService(
                DatagramServer(socket: socket, logger: logger, handler: DatagramRelay(targets: targets, logger: logger).handle))
        } else {
            if let unixPath { try UnixSocketFile.prepare(unixPath, type: .stream) }
            let listener = try Socket.listen(on: listen)
            address = try listener.localAddress()
            let server = Server(
                listeners: [listener], configuration: ServerConfiguration(idleTimeout: nil), logger: logger,
                reactors: try threads.makeReactors()
            ) { [target, connectTimeout, verbose, hex] connection in
                let limit = Duration.milliseconds(Int64(connectTimeout * 1000))
                let trace = hex ? Self.dumpTrace(for: connection.peer) : nil
                try await Self.relay(
                    connection, to: targets, named: target, within: limit, logger: logger, verbose: verbose, trace: trace)
            }
            service = GracefulService(server)
        }
        let socketFile = unixPath.flatMap(UnixSocketFile.init(boundAt:))
        defer { socketFile?.remove() }
        print("listening on \(address)")
        flushStandardOutput()
        try await shutdownSignals.run(ServiceGroup(services: [service], logger: logger))
    }

    /// A trace that dumps the bytes of the connection from `peer` on stderr, each line
    /// after the peer's address: `127.0.0.1:50312 > 00000000  68 69 …`.
    private static func dumpTrace(for peer: SocketAddress) -> ConnectionTrace {
        let trace = ConnectionTrace(verbose: false, hex: true)
        trace.redirect { dump in
            writeStandardError(dump.split(separator: "\n").map { "\(peer) \($0)\n" }.joined())
        }
        return trace
    }

    /// Connects to the first of `targets` that accepts within `limit` and splices it with
    /// `connection`; logs the bytes each way when both streams have ended (`verbose`:
    /// the target connected, and both sides' TCP_INFO at the end). A target that cannot
    /// be reached is logged, and the client's connection closed. `trace` shows the bytes.
    private static func relay(
        _ connection: Connection, to targets: [SocketAddress], named name: String, within limit: Duration,
        logger: Logger, verbose: Bool, trace: ConnectionTrace?
    ) async throws {
        var metadata: Logger.Metadata = ["peer": "\(connection.peer)", "target": "\(name)"]
        let upstream: Socket
        let start = ContinuousClock.now
        do {
            upstream = try await connect(to: targets, deadline: .now + limit)
        } catch {
            metadata["error"] = "\(error)"
            logger.warning("target unreachable, closing the client", metadata: metadata)
            return
        }
        defer { upstream.close() }
        if verbose {
            var opened = metadata
            opened["target_address"] = "\((try? upstream.peerAddress()).map { "\($0)" } ?? "?")"
            opened["local"] = "\((try? upstream.localAddress()).map { "\($0)" } ?? "?")"
            opened["connect_time"] = "\(ConnectionTrace.milliseconds(ContinuousClock.now - start))"
            logger.info("relay opened", metadata: opened)
        }
        if upstream.family != .unix { try? upstream.setOption(.noDelay, true) }
        let splice = StreamSplice(client: connection, target: upstream, trace: trace)
        var level = Logger.Level.info
        do {
            try await splice.run()
        } catch {
            metadata["error"] = "\(error)"
            level = .notice
        }
        metadata["client_to_target"] = "\(splice.counts.clientToTarget)"
        metadata["target_to_client"] = "\(splice.counts.targetToClient)"
        if verbose {
            for (side, socket) in [("client", connection.socket), ("target", upstream)] {
                guard let info = try? socket.tcpInfo() else { continue }
                metadata["\(side)_rtt"] = "\(ConnectionTrace.milliseconds(info.roundTripTime))"
                metadata["\(side)_retransmits"] = "\(info.totalRetransmits)"
            }
        }
        logger.log(level: level, "relay ended", metadata: metadata)
    }

    /// A stream connected to the first of `targets` that accepts by `deadline`; the first
    /// error if none does.
    private static func connect(to targets: [SocketAddress], deadline: ContinuousClock.Instant) async throws -> Socket {
        var firstError: (any Error)?
        for target in targets {
            let socket = try Socket(target.family, .stream)
            do {
                try await socket.connect(to: target, deadline: deadline)
                return socket
            } catch {
                socket.close()
                firstError = firstError ?? error
            }
        }
        throw firstError!
    }
}
