import ArgumentParser
import Foundation
import Framing
import Sockets

/// `sock connect ADDR`: stdin to the server, the server to stdout (SPEC §5).
struct ConnectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Connect stdin and stdout to a server, like netcat."
    )

    @Argument(help: "The server: HOST:PORT, [IPV6]:PORT or unix:PATH.")
    var address: String

    @Flag(help: "Send each stdin line as one datagram.")
    var udp = false

    @Option(help: "raw copies bytes; line, length and seed send each stdin line as one message.")
    var framing: Framing = .raw

    @Option(help: "With --udp: seconds to wait for replies after the end of stdin.")
    var wait: Double = 1

    func run() throws {
        if udp {
            try runDatagrams()
        } else {
            try runStream()
        }
    }

    /// Copies both ways until the server closes. The server closing the connection is
    /// the normal end once it has answered; before any answer it turned us away, and
    /// that is an error, reported the same way however the kernel told us (end of
    /// stream, a reset, a failed send or half-close): `sock: ADDR: the server closed
    /// the connection`, exit 1. With no input and no answer it is the quiet end of an
    /// empty conversation, and after all the input was sent and half-closed without a
    /// reset, a sink that read it all (`nc -l > file`), exit 0.
    private func runStream() throws {
        let socket = try Socket.connect(to: address)
        let framing = framing
        let sender = InputSender.start(to: socket) { sender in try Self.copyStandardInput(to: sender, framing: framing) }
        var decoder = framing.makeDecoder()
        var received = false
        var reset = false
        do {
            while let message = try socket.receiveMessage(&decoder) {
                received = true
                FileHandle.standardOutput.write(Data(framing == .raw ? message : message + [0x0A]))
            }
        } catch let error as SocketError where error.meansPeerClosed {
            reset = true
        }
        let sent = sender.snapshot
        if let failure = sent.failure {
            guard let error = failure as? SocketError, error.meansPeerClosed else { throw failure }
            throw CommandFailure.serverClosedConnection(address)
        }
        if reset { throw CommandFailure.serverClosedConnection(address) }
        if received || (sent.inputEnded && sent.sentBytes == 0) { return }
        if !sent.inputEnded || Self.resetFollows(socket) { throw CommandFailure.serverClosedConnection(address) }
    }

    /// Whether a reset arrives within a moment of the server's end of stream: the server
    /// closed without reading what we sent (a server that read it all closes cleanly).
    private static func resetFollows(_ socket: Socket) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(20)
        repeat {
            if case .some(.some) = try? socket.pendingError() { return true }
            usleep(1000)
        } while ContinuousClock.now < deadline
        return false
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
        guard let target = try Resolver.resolve(address, type: .datagram).first else {
            throw SocketError(.nameResolution, operation: "connect", detail: "\(address): no addresses")
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
