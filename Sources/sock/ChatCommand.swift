import ArgumentParser
import Foundation
import Framing
import Sockets

/// `sock chat ADDR`: an interactive chat client; what arrives is shown while you type.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Join a chat room (sock serve chat).",
        discussion: """
            Examples:
                # join as ada
                sock chat 127.0.0.1:9999 --name ada
                # over a Unix socket
                sock chat unix:/tmp/chat.sock
            """
    )

    @OptionGroup var server: ClientOptions

    @OptionGroup(title: "TLS options") var tls: TLSClientOptions

    @Option(help: "Your name (sent as /nick NAME).")
    var name: String?

    /// Shows what arrives until the server closes. Closing after the user left
    /// (`/quit` or the end of the input) is the normal end; before, or a failed send,
    /// is reported: `sock: ADDR: the server closed the connection`, exit 1.
    func run() throws {
        let connection = try tls.connect(to: server.address)
        var output: [UInt8] = []
        if let name {
            try Framing.line.encode(Array("/nick \(name)".utf8), into: &output)
            do {
                try connection.sendAll(output)
            } catch let error as SocketError where error.meansPeerClosed {
                throw CommandFailure.serverClosedConnection(server.address)
            }
        }
        let sender = InputSender.start(to: connection) { sender in
            var line: [UInt8] = []
            while let text = readLine(strippingNewline: true) {
                line.removeAll(keepingCapacity: true)
                try Framing.line.encode(Array(text.utf8), into: &line)
                try sender.send(line)
                if text == "/quit" { return }
            }
        }
        let colour = isatty(STDOUT_FILENO) == 1
        var decoder = LineDecoder()
        do {
            while let message = try connection.recvMessage(&decoder) {
                let text = String(decoding: message, as: UTF8.self)
                let notice = text.hasPrefix("* ") || text.hasPrefix("! ")
                print(colour && notice ? "\u{1B}[2m\(text)\u{1B}[0m" : text)
            }
        } catch let error as SocketError where error.meansPeerClosed {
            // Reported below, the same way as an end of stream.
        }
        let sent = sender.snapshot
        if let failure = sent.failure {
            guard let error = failure as? SocketError, error.meansPeerClosed else { throw failure }
            throw CommandFailure.serverClosedConnection(server.address)
        }
        if !sent.inputEnded { throw CommandFailure.serverClosedConnection(server.address) }
    }
}
