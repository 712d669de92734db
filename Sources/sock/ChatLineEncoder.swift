import Framing

/// How `sock chat` sends a line it is given: framed by `\n`, or `\r\n` with `--crlf`,
/// shown to the connection's trace (`--hex`, `-v`'s byte counts) before it leaves.
struct ChatLineEncoder: Sendable {
    /// The command that leaves the room: the server closes the connection once it reads it.
    static let quit = "/quit"

    /// Whether lines end in CR LF.
    let crlf: Bool
    /// Where what is sent is shown.
    let trace: ConnectionTrace

    /// `text` as the bytes of one line, shown to ``trace``.
    ///
    /// - Throws: `FramingError` when `text` holds a line break.
    func encode(_ text: String) throws -> [UInt8] {
        var line: [UInt8] = []
        try Framing.line.encode(Array(text.utf8), into: &line)
        // A line whose text ends in CR already ends in CR LF (the encoder keeps that CR).
        if crlf && line.dropLast().last != 0x0D { line.insert(0x0D, at: line.count - 1) }
        line.withUnsafeBytes { trace.sent($0) }
        return line
    }

    /// Sends `text` as one line from the input; ``quit`` as the user's last.
    func send(_ text: String, to sender: InputSender) throws {
        let line = try encode(text)
        if text == Self.quit {
            try sender.sendLast(line)
        } else {
            try sender.send(line)
        }
    }
}
