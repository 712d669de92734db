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

    private func runStream() throws {
        let socket = try Socket.connect(to: address)
        let framing = framing
        let sender = Thread {
            do {
                try Self.copyStandardInput(to: socket, framing: framing)
                try socket.shutdown(.write)
            } catch {
                Sock.report(error)
                socket.close()
            }
        }
        sender.start()
        var decoder = framing.makeDecoder()
        do {
            while let message = try socket.receiveMessage(&decoder) {
                FileHandle.standardOutput.write(Data(message))
                if framing != .raw { FileHandle.standardOutput.write(Data([0x0A])) }
            }
        } catch let error as SocketError where error.kind == .closed {
            throw ExitCode.failure
        }
    }

    /// Sends stdin: raw bytes as they come, or one message per line.
    private static func copyStandardInput(to socket: Socket, framing: Framing) throws {
        if framing == .raw {
            let input = FileHandle.standardInput
            while case let chunk = input.availableData, !chunk.isEmpty {
                try socket.sendAll(chunk)
            }
            return
        }
        var output: [UInt8] = []
        while let line = readLine(strippingNewline: true) {
            output.removeAll(keepingCapacity: true)
            try framing.encode(Array(line.utf8), into: &output)
            try socket.sendAll(output)
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
