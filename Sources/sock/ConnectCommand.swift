import ArgumentParser
import Foundation
import Framing
import Sockets

/// `sock connect ADDR`: stdin to the server, the server to stdout (SPEC §5).
struct ConnectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Connect stdin and stdout to a server, like netcat.",
        discussion: """
            raw copies bytes both ways; line, length and seed send each stdin line as one \
            message and print each message received on its own line. With --udp each \
            stdin line is one datagram.

            Examples:
                # like nc
                echo hello | sock connect 127.0.0.1:9999
                # one message per line
                printf 'a\\nb\\n' | sock connect '[::1]:7000' --framing line
                # service name, CRLF, TCP_INFO
                sock connect example.org:http --crlf -v -w 5
                # one datagram per line
                sock connect 127.0.0.1:9999 --udp --wait 0.5 < lines.txt
            """
    )

    @OptionGroup var server: ClientOptions

    @OptionGroup(title: "TLS options") var tls: TLSClientOptions

    @OptionGroup var transport: DatagramFlag

    @OptionGroup var framingOption: FramingOption

    @Option(help: "With --udp: seconds to wait for replies after the end of stdin.")
    var wait: Double = 1

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var bytes: ByteOptions

    /// The framing given; raw without `--framing`.
    private var framing: Framing { framingOption.framing(default: .raw) }

    func validate() throws {
        if bytes.crlf && (transport.udp || ![.raw, .line].contains(framing)) {
            throw ValidationError("--crlf is for streams in raw or line framing")
        }
    }

    func run() throws {
        if transport.udp {
            if tls.enabled { throw ValidationError("--tls is for streams, not --udp") }
            try runDatagrams()
        } else {
            try runStream()
        }
    }

    /// Copies both ways until the server closes, then exits 0 when the conversation
    /// ended normally: the server answered, or the input was empty, or all of it was
    /// sent and the server read it (a sink, `nc -l > file`: it closes cleanly, no reset).
    /// Otherwise the server closed before taking our input (turned away by
    /// `--max-connections`, or it stopped early), and that is said the same way however
    /// the kernel told us (end of stream, a reset, a failed send or half-close):
    /// `sock: ADDR: the server closed the connection`, exit 1.
    private func runStream() throws {
        let trace = connection.makeTrace(hex: bytes.hex)
        let socket = try connection.connect(to: server.address, trace: trace)
        defer { trace.closing(socket) }
        let client = try tls.wrap(socket, address: server.address)
        let framing = self.framing
        let crlf = bytes.crlf
        let sender = InputSender.start(to: client) { sender in
            try Self.copyStandardInput(to: sender, framing: framing, crlf: crlf, trace: trace)
        }
        var decoder = framing.makeDecoder()
        var received = false
        var reset = false
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { chunk.deallocate() }
        do {
            while let message = try receiveMessage(from: client, into: &decoder, chunk: chunk, trace: trace, sender: sender) {
                received = true
                FileHandle.standardOutput.write(Data(framing == .raw ? message : message + [0x0A]))
            }
        } catch let error as SocketError where error.meansPeerClosed {
            reset = true
        }
        var sent = sender.snapshot
        if !received && sent.sentBytes == 0 && !sent.inputEnded && Self.standardInputIsReadable {
            // The sender is about to send what stdin holds, or see its end (`</dev/null`).
            sent = Self.eventually(sender.snapshot, within: .seconds(1)) {
                $0.sentBytes > 0 || $0.inputEnded || $0.failure != nil
            }
        }
        if let failure = sent.failure {
            guard let error = failure as? SocketError, error.meansPeerClosed else { throw failure }
            throw CommandFailure.serverClosedConnection(server.address)
        }
        if reset { throw CommandFailure.serverClosedConnection(server.address) }
        if received || (sent.inputEnded && sent.sentBytes == 0) { return }
        // A server that read all of the input closes cleanly; one that did not resets.
        let resetFollows = Self.eventually((try? socket.pendingError()) != nil, within: .milliseconds(20)) { $0 }
        if !sent.inputEnded || resetFollows { throw CommandFailure.serverClosedConnection(server.address) }
    }

    /// The next message, nil at the end of the stream (as `Socket.recvMessage` reads it),
    /// each chunk shown to `trace`. With `-w`, a read that times out ends the command,
    /// unless stdin was sent meanwhile.
    private func receiveMessage(
        from client: ClientConnection, into decoder: inout AnyByteMessageDecoder, chunk: UnsafeMutableRawBufferPointer,
        trace: ConnectionTrace, sender: InputSender
    ) throws -> [UInt8]? {
        var sentBefore = sender.snapshot.sentBytes
        while true {
            if let message = try decoder.next() { return message }
            guard let count = try Self.receive(from: client, into: chunk) else {
                let sent = sender.snapshot.sentBytes
                guard sent != sentBefore else {
                    throw CommandFailure("\(server.address): nothing sent or received for \(connection.timeout ?? 0) s")
                }
                sentBefore = sent
                continue
            }
            if count == 0 { return try decoder.finish() }
            let bytes = UnsafeRawBufferPointer(rebasing: chunk[..<count])
            trace.received(bytes)
            decoder.feed(bytes)
        }
    }

    /// One `recv` into `chunk`: the byte count (0 at the end of the stream), nil when
    /// the socket's timeout (`-w`) passed first.
    private static func receive(from client: ClientConnection, into chunk: UnsafeMutableRawBufferPointer) throws -> Int? {
        do {
            // TLS errors as they are: a server that drops the connection without
            // close_notify is `truncated`, not an ordinary end of stream.
            if let tls = client.tls { return try tls.recv(into: chunk) }
            return try client.socket.recv(into: chunk)
        } catch let error as SocketError where error.kind == .timedOut {
            return nil
        }
    }

    /// Whether reading stdin would not block: it holds data or is at its end.
    private static var standardInputIsReadable: Bool {
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 1
    }

    /// Evaluates `value` every millisecond until `condition` holds of it or `limit` has
    /// passed (for what the kernel or the sender thread is about to report); the last value.
    private static func eventually<Value>(
        _ value: @autoclosure () -> Value, within limit: Duration, _ condition: (Value) -> Bool
    ) -> Value {
        let deadline = ContinuousClock.now + limit
        var current = value()
        while !condition(current) && ContinuousClock.now < deadline {
            usleep(1000)
            current = value()
        }
        return current
    }

    /// Sends stdin: raw bytes as they come, or one message per line; with `crlf`, line
    /// ends as CR LF. What is sent is shown to `trace`.
    private static func copyStandardInput(
        to sender: InputSender, framing: Framing, crlf: Bool, trace: ConnectionTrace
    ) throws {
        var translator = crlf ? LineEndingTranslator() : nil
        func send(_ bytes: [UInt8]) throws {
            let output = translator?.translate(bytes) ?? bytes
            // Shown before it leaves, so that its dump comes before that of the answer.
            output.withUnsafeBytes { trace.sent($0) }
            try sender.send(output)
        }
        if framing == .raw {
            let input = FileHandle.standardInput
            while case let chunk = input.availableData, !chunk.isEmpty {
                try send(Array(chunk))
            }
            return
        }
        var output: [UInt8] = []
        while let line = readLine(strippingNewline: true) {
            output.removeAll(keepingCapacity: true)
            try framing.encode(Array(line.utf8), into: &output)
            try send(output)
        }
    }

    private func runDatagrams() throws {
        let trace = connection.makeTrace(hex: bytes.hex)
        let socket = try connection.connect(to: server.address, type: .datagram, trace: trace)
        defer { trace.closing(socket) }
        let done = Thread {
            while let line = readLine(strippingNewline: true) {
                do {
                    Array(line.utf8).withUnsafeBytes { trace.sent($0) }
                    try socket.send(line.utf8)
                } catch {
                    Sock.report(error)
                }
            }
        }
        done.start()
        var end: ContinuousClock.Instant?
        while true {
            let now = ContinuousClock.now
            if end == nil && done.isFinished { end = now + .milliseconds(Int64(wait * 1000)) }
            var slice = Duration.milliseconds(100)
            if let end {
                if now >= end { break }
                slice = min(slice, now.duration(to: end))
            }
            socket.timeout = max(slice, .milliseconds(1))
            do throws(SocketError) {
                let reply = try socket.recv(65_535)
                reply.withUnsafeBytes { trace.received($0) }
                FileHandle.standardOutput.write(Data(reply + [0x0A]))
            } catch {
                // A timeout ends one slice; a refusal means no server yet: keep listening.
                guard error.kind == .timedOut || error.kind == .connectionRefused else { throw error }
            }
        }
    }
}
