import ArgumentParser
import Foundation
import Framing
import Services
import Sockets

/// `sock chat ADDR`: an interactive chat client; what arrives is shown while you type.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Join a chat room (sock serve chat).",
        discussion: """
            On a terminal, lines that arrive are printed above the line you are typing. \
            Keys: Enter sends, Backspace, Ctrl-U and Ctrl-W delete, Left/Right move, \
            Ctrl-D on an empty line or Ctrl-C leaves. In a pipe, each stdin line is sent \
            and each line received is printed. --hex dumps what is sent and received on \
            stderr (on the terminal, above the line you type); a line received may end \
            in LF or CRLF, and is shown without either.

            Examples:
                # join as ada (a name taken is an error, exit 1)
                sock chat 127.0.0.1:9999 --name ada
                # over a Unix socket
                sock chat unix:/tmp/chat.sock
                # say one line and leave
                echo 'hello all' | sock chat 127.0.0.1:9999 -w 5
                # the bytes both ways on stderr; lines sent end in CRLF
                sock chat 127.0.0.1:9999 --hex --crlf 2> chat.hex
            """
    )

    @OptionGroup var server: ClientOptions

    @OptionGroup(title: "TLS options") var tls: TLSClientOptions

    @Option(help: "Your name, 1-32 letters, digits, _ or -: the room announces you with it.")
    var name: String?

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var bytes: ByteOptions

    /// How long the server may take to answer `--name` without `-w`.
    static let nameTimeout: Duration = .seconds(10)

    func validate() throws {
        if let name, ChatRoom<Int>.requestedName("/nick \(name)") != name {
            throw ValidationError("--name: use 1-32 letters, digits, _ or -")
        }
    }

    /// Shows what arrives until the server closes. Closing after the user left
    /// (`/quit`, the end of the input, Ctrl-D or Ctrl-C) is the normal end; before, or a
    /// failed send, is reported: `sock: ADDR: the server closed the connection`, exit 1.
    func run() throws {
        let trace = connection.makeTrace(hex: bytes.hex)
        let socket = try connection.connect(to: server.address, trace: trace)
        defer { trace.closing(socket) }
        let client = try tls.wrap(socket, address: server.address)
        let style = ChatStyle.standardOutput
        var decoder = LineDecoder()
        let encoder = ChatLineEncoder(crlf: bytes.crlf, trace: trace)
        if let name {
            try join(as: name, over: client, decoder: &decoder, trace: trace) { print(style.styled($0)) }
        }
        guard TerminalMode.isAvailable else {
            let sender = InputSender.start(to: client) { sender in
                while let text = readLine(strippingNewline: true) {
                    try encoder.send(text, to: sender)
                    if text == ChatLineEncoder.quit { return }
                }
            }
            try receive(from: client, decoder: &decoder, trace: trace, sender: sender) { print(style.styled($0)) }
            return
        }
        try TerminalMode.enterRaw()
        defer { TerminalMode.restore() }
        let terminal = ChatTerminal(style: style)
        defer { terminal.finish() }
        // A dump to the same terminal goes above the line being typed, not through it.
        if bytes.hex && isatty(STDERR_FILENO) == 1 { trace.redirect { terminal.show(String($0.dropLast())) } }
        let sender = InputSender.start(to: client) { sender in
            try Self.edit(on: terminal, sendingTo: sender, encoder: encoder)
        }
        try receive(from: client, decoder: &decoder, trace: trace, sender: sender, show: terminal.show)
    }

    /// Sends `/nick NAME` and reads until the server says how it went: `* NAME joined`
    /// (the room announces the newcomer with its name), or `* guest-N joined` then
    /// `* guest-N is now NAME` (a server that announces first, then renames). Lines of
    /// others that come meanwhile go to `show`.
    ///
    /// - Throws: ``CommandFailure`` `name taken: NAME` (or the server's other `! …`
    ///   answer) when the server refuses the name; when it says nothing in time.
    private func join(
        as name: String, over client: ClientConnection, decoder: inout LineDecoder, trace: ConnectionTrace,
        show: (String) -> Void
    ) throws {
        try send("/nick \(name)", over: client, trace: trace)
        client.socket.timeout = connection.timeoutDuration ?? Self.nameTimeout
        defer { client.socket.timeout = connection.timeoutDuration }
        var guest: String?
        while true {
            let message: [UInt8]?
            do {
                message = try client.recvMessage(&decoder, trace: trace)
            } catch let error as SocketError where error.meansPeerClosed {
                throw CommandFailure.serverClosedConnection(server.address)
            } catch let error as SocketError where error.kind == .timedOut {
                throw CommandFailure("\(server.address): no answer to --name \(name)")
            }
            guard let message else { throw CommandFailure.serverClosedConnection(server.address) }
            let line = String(decoding: message, as: UTF8.self)
            if line == "* \(name) joined" && guest == nil { return show(line) }
            if line.hasPrefix("! ") {
                let reason = line.dropFirst(2)
                throw CommandFailure(reason == "name taken" ? "name taken: \(name)" : "--name \(name): \(reason)")
            }
            if guest == nil, line.hasPrefix("* "), line.hasSuffix(" joined") {
                guest = String(line.dropFirst(2).dropLast(" joined".count))
                if guest == name { return show(line) }
            } else if let guest, line == "* \(guest) is now \(name)" {
                return show(line)
            }
            show(line)
        }
    }

    /// Passes what arrives to `show` until the server closes; then tells, from what
    /// `sender` did, whether that was the normal end.
    private func receive(
        from client: ClientConnection, decoder: inout LineDecoder, trace: ConnectionTrace, sender: InputSender,
        show: (String) -> Void
    ) throws {
        var sentBefore = 0
        do {
            while true {
                let message: [UInt8]?
                do {
                    message = try client.recvMessage(&decoder, trace: trace)
                } catch let error as SocketError where error.kind == .timedOut {
                    // `-w`: only a connection where nothing was sent or received meanwhile ends.
                    let sent = sender.snapshot.sentBytes
                    guard sent != sentBefore else {
                        throw CommandFailure(
                            "\(server.address): nothing sent or received for \(connection.timeout ?? 0) s")
                    }
                    sentBefore = sent
                    continue
                }
                guard let message else { break }
                show(String(decoding: message, as: UTF8.self))
            }
        } catch let error as SocketError where error.meansPeerClosed {
            // Reported below, the same way as an end of stream.
        }
        let sent = sender.snapshot
        if let failure = sent.failure {
            guard let error = failure as? SocketError, error.meansPeerClosed else { throw failure }
            // The user's last words are out: the server closing before the half-close
            // after them (`/quit`: it closes at once) is the normal end.
            if sent.leaving { return }
            throw CommandFailure.serverClosedConnection(server.address)
        }
        if !sent.inputEnded && !sent.leaving { throw CommandFailure.serverClosedConnection(server.address) }
    }

    /// Reads keys from the terminal into the line editor and sends each line entered,
    /// until `/quit`, Ctrl-D on an empty line, Ctrl-C or the end of the input.
    private static func edit(on terminal: ChatTerminal, sendingTo sender: InputSender, encoder: ChatLineEncoder) throws {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(STDIN_FILENO, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw CommandFailure("read stdin: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return }
            for event in terminal.feed(buffer[..<count]) {
                switch event {
                case .submit(let text):
                    if text.isEmpty { continue }
                    try encoder.send(text, to: sender)
                    if text == ChatLineEncoder.quit { return }
                case .endOfInput, .interrupt:
                    return
                }
            }
        }
    }

    /// Sends `text` as one line before the input is read.
    private func send(_ text: String, over client: ClientConnection, trace: ConnectionTrace) throws {
        let line = try ChatLineEncoder(crlf: bytes.crlf, trace: trace).encode(text)
        do {
            try client.sendAll(line)
        } catch let error as SocketError where error.meansPeerClosed {
            throw CommandFailure.serverClosedConnection(server.address)
        }
    }
}
