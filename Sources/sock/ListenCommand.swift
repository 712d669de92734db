import ArgumentParser
import Foundation
import Sockets

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `sock listen ADDR`: netcat's `-l` (SPEC §5). One connection wired to stdin and
/// stdout, or one after another (`-k`), or a program per connection (`--exec`).
struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Accept a connection and wire it to stdin and stdout, like nc -l.",
        discussion: """
            Prints 'listening on ADDR' on stderr; stdout carries only what the peer sends. \
            At the end of stdin the connection is half-closed; when the peer ends it, sock \
            exits 0 (with -k it accepts the next one). --exec runs the program for each \
            connection, the socket as its stdin and stdout, without a shell (with -k \
            concurrently, one process per connection); --exec takes the rest of the line. \
            With -w, a connection with nothing received or sent for that many seconds is \
            closed (exit 1; with -k the next is accepted). With --udp each datagram from \
            the first peer is printed as a line (--hex: dumped on stderr), and each stdin \
            line is sent back to that peer as one datagram.

            Examples:
                # one connection, then exit
                sock listen 127.0.0.1:7000 > received.bin
                # one connection after another
                sock listen 0.0.0.0:7000 -k
                # a cat per connection
                sock listen 127.0.0.1:7000 -k --exec cat -n
                # close a connection idle for 30 s, then wait for the next
                sock listen 0.0.0.0:7000 -k -w 30
                sock listen 127.0.0.1:7000 --udp --hex
            """
    )

    @Argument(help: "Where to listen: HOST:PORT, [IPV6]:PORT or unix:PATH (port 0: a free port).")
    var address: String

    @Flag(name: [.customShort("k"), .customLong("keep-listening")], help: "Accept connections one after another.")
    var keepListening = false

    @OptionGroup var transport: DatagramFlag

    @Flag(
        name: [.customShort("v"), .long],
        help: "On stderr: each peer; at its end bytes each way and TCP_INFO, or how --exec's program ended.")
    var verbose = false

    @OptionGroup var bytes: ByteOptions

    @Option(
        name: [.customShort("w"), .long],
        help: "Close a connection when nothing is received or sent on it for this many seconds.")
    var timeout: Double?

    @Option(
        name: .customLong("exec"), parsing: .remaining,
        help: ArgumentHelp("Run PROGRAM ARGS... for each connection (no shell); must come last.", valueName: "program"))
    var execute: [String] = []

    func validate() throws {
        if transport.udp && !execute.isEmpty { throw ValidationError("--exec is for streams; with --udp there is no connection") }
        if transport.udp && keepListening { throw ValidationError("-k is for streams; with --udp there is no connection") }
        if bytes.crlf && (transport.udp || !execute.isEmpty) {
            throw ValidationError("--crlf is for a connection wired to stdin and stdout, not --udp or --exec")
        }
        if bytes.hex && !execute.isEmpty { throw ValidationError("--hex is for stdin and stdout, not --exec") }
        if timeout != nil && (transport.udp || !execute.isEmpty) {
            throw ValidationError("-w is for a connection wired to stdin and stdout, not --udp or --exec")
        }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        // A stdout or a connection that goes away is an error to report, not a signal to die of.
        signal(SIGPIPE, SIG_IGN)
        if transport.udp {
            try await DatagramListener(address: address, hex: bytes.hex).run()
            return
        }
        if case .unix(let path) = SocketAddress(address) { try UnixSocketFile.prepare(path, type: .stream) }
        let listener = try Socket.listen(on: address)
        defer { listener.close() }
        let socketFile = UnixSocketFile.path(of: address).flatMap(UnixSocketFile.init(boundAt:))
        socketFile?.removeOnInterrupt()
        defer {
            InterruptCleanup.unregister()
            socketFile?.remove()
        }
        writeStandardError("listening on \(try listener.localAddress())\n")
        if let program = execute.first {
            try await servePrograms(listener, ConnectionProgram(executable: program, arguments: Array(execute.dropFirst())))
        } else {
            try await serveStandardStreams(listener)
        }
    }

    /// Wires each connection in turn to stdin and stdout; without `-k`, only the first.
    private func serveStandardStreams(_ listener: Socket) async throws {
        let pump = StandardInputPump(crlf: bytes.crlf)
        repeat {
            let (connection, peer) = try await listener.accept()
            let trace = ConnectionTrace(verbose: verbose, hex: bytes.hex)
            trace.accepted(connection, from: peer)
            pump.attach(connection, trace: trace)
            defer {
                pump.detach(connection)
                trace.closing(connection)
                connection.close()
            }
            do {
                try await copyToStandardOutput(from: connection, trace: trace)
            } catch let error as SocketError where error.kind == .timedOut {
                let failure = CommandFailure("\(peer): nothing sent or received for \(timeout ?? 0) s, closing")
                guard keepListening else { throw failure }
                Sock.report(failure)
            } catch let error as SocketError where keepListening {
                writeStandardError("sock: \(peer): \(error)\n")
            }
        } while keepListening
    }

    /// Runs the program for each connection; with `-k` concurrently, one process each.
    private func servePrograms(_ listener: Socket, _ program: ConnectionProgram) async throws {
        guard keepListening else {
            let (connection, peer) = try await listener.accept()
            try await run(program, on: connection, from: peer)
            return
        }
        try await withThrowingDiscardingTaskGroup { group in
            while true {
                let (connection, peer) = try await listener.accept()
                group.addTask {
                    do {
                        try await run(program, on: connection, from: peer)
                    } catch {
                        writeStandardError("sock: \(peer): \(error)\n")
                    }
                }
            }
        }
    }

    /// Runs `program` on one connection; `-v` tells the peer and how the program ended.
    private func run(_ program: ConnectionProgram, on connection: Socket, from peer: SocketAddress) async throws {
        ConnectionTrace(verbose: verbose, hex: false).accepted(connection, from: peer)
        let status = try await program.run(on: connection)
        if verbose { writeStandardError("sock: \(program.executable) exited status=\(status) peer=\(peer)\n") }
    }

    /// Copies what arrives on `connection` to stdout until the peer ends its side,
    /// showing it to `trace`.
    ///
    /// - Throws: ``SocketError`` `timedOut` when `-w` seconds pass with nothing received
    ///   or sent (what stdin sends is seen in `trace`).
    private func copyToStandardOutput(from connection: Socket, trace: ConnectionTrace) async throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        let idleLimit = timeout.map { Duration.milliseconds(Int64($0 * 1000)) }
        while true {
            let count: Int
            do {
                count = try await connection.read(into: buffer, deadline: idleLimit.map { trace.lastActivity + $0 })
            } catch let error as SocketError where error.kind == .timedOut {
                // Bytes sent meanwhile moved the deadline on.
                guard let idleLimit, trace.lastActivity + idleLimit <= .now else { continue }
                throw error
            }
            guard count > 0 else { return }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            trace.received(bytes)
            try writeStandardOutput(bytes)
        }
    }
}
