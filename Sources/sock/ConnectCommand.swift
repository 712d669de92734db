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
            """
    )

    @OptionGroup var server: ClientOptions

    @OptionGroup(title: "TLS options") var tls: TLSClientOptions

    @OptionGroup var transport: DatagramFlag

    @OptionGroup var framingOption: FramingOption

    @Option(help: "With --udp: seconds to wait for replies after the end of stdin.")
    var wait: Double = 1

    /// The framing given; raw without `--framing`.
    private var framing: Framing { framingOption.framing(default: .raw) }

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
        let connection = try tls.connect(to: server.address)
        let socket = connection.socket
        let framing = self.framing
        let sender = InputSender.start(to: connection) { sender in try Self.copyStandardInput(to: sender, framing: framing) }
        var decoder = framing.makeDecoder()
        var received = false
        var reset = false
        do {
            while let message = try connection.recvMessage(&decoder) {
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

    /// Sends stdin: raw bytes as they come, or one message per line.
    private static func copyStandardInput(to sender: InputSender, framing: Framing) throws {
        if framing == .raw {
            let input = FileHandle.standardInput
            while case let chunk = input.availableData, !chunk.isEmpty {
                try sender.send(chunk)
            }
            return
        }
        var output: [UInt8] = []
        while let line = readLine(strippingNewline: true) {
            output.removeAll(keepingCapacity: true)
            try framing.encode(Array(line.utf8), into: &output)
            try sender.send(output)
        }
    }

    private func runDatagrams() throws {
        guard let target = try Resolver.resolve(server.address, type: .datagram).first else {
            throw SocketError(.nameResolution, operation: "connect", detail: "\(server.address): no addresses")
        }
        let socket = try Socket(target.family, .datagram)
        if target.family == .unix {
            // A Unix datagram client needs a name of its own for replies to reach it.
            try socket.bind(to: .unixAbstract(name: Array("sock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))".utf8)))
        }
        try socket.connect(to: target)
        let done = Thread {
            while let line = readLine(strippingNewline: true) {
                do { try socket.send(line.utf8) } catch { Sock.report(error) }
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
                FileHandle.standardOutput.write(Data(reply + [0x0A]))
            } catch {
                // A timeout ends one slice; a refusal means no server yet: keep listening.
                guard error.kind == .timedOut || error.kind == .connectionRefused else { throw error }
            }
        }
    }
}
