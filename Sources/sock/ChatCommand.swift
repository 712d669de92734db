import ArgumentParser
import Foundation
import Framing
import Sockets

/// `sock chat ADDR`: an interactive chat client; what arrives is shown while you type.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Join a chat room (sock serve chat)."
    )

    @Argument(help: "The chat server: HOST:PORT, [IPV6]:PORT or unix:PATH.")
    var address: String

    @Option(help: "Your name (sent as /nick NAME).")
    var name: String?

    func run() throws {
        let socket = try Socket.connect(to: address)
        var output: [UInt8] = []
        if let name {
            try Framing.line.encode(Array("/nick \(name)".utf8), into: &output)
            try socket.sendAll(output)
        }
        let sender = Thread {
            var line: [UInt8] = []
            while let text = readLine(strippingNewline: true) {
                line.removeAll(keepingCapacity: true)
                do {
                    try Framing.line.encode(Array(text.utf8), into: &line)
                    try socket.sendAll(line)
                } catch {
                    break
                }
                if text == "/quit" { break }
            }
            try? socket.shutdown(.write)
        }
        sender.start()
        let colour = isatty(STDOUT_FILENO) == 1
        var decoder = LineDecoder()
        while let message = try socket.receiveMessage(&decoder) {
            let text = String(decoding: message, as: UTF8.self)
            let notice = text.hasPrefix("* ") || text.hasPrefix("! ")
            print(colour && notice ? "\u{1B}[2m\(text)\u{1B}[0m" : text)
        }
    }
}
