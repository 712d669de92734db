/// The line being typed at `sock chat`'s prompt, edited by the keys a terminal in raw
/// mode sends; pure (no I/O): ``ChatTerminal`` feeds it bytes and draws ``redraw(prompt:)``.
///
/// Keys: printable UTF-8, Backspace, Ctrl-U (delete to the start), Ctrl-W (delete the
/// word before the cursor), Left/Right (and Ctrl-B/Ctrl-F), Home/End (and Ctrl-A/Ctrl-E),
/// Enter, Ctrl-D (leave on an empty line, else delete under the cursor), Ctrl-C (leave).
struct LineEditor {
    /// What a key asks of the program, beyond editing the line.
    enum Event: Equatable {
        /// Enter: the line typed (the editor is empty again).
        case submit(String)
        /// Ctrl-D on an empty line: the user leaves.
        case endOfInput
        /// Ctrl-C: the user leaves.
        case interrupt
    }

    /// The line typed so far, one element per character as the user sees it.
    private(set) var characters: [Character] = []
    /// Where the cursor is: the index of the character it stands on (`characters.count` at the end).
    private(set) var cursor = 0
    /// The bytes of a UTF-8 character or an escape sequence not complete yet.
    private var pending: [UInt8] = []
    /// The last byte was a CR: a LF right after it is the same Enter.
    private var afterCarriageReturn = false

    /// The line typed so far.
    var line: String { String(characters) }

    /// Edits the line by `bytes` (what the terminal sent).
    ///
    /// - Returns: What the keys ask beyond editing, in order.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if let event = feed(byte) { events.append(event) }
        }
        return events
    }

    private mutating func feed(_ byte: UInt8) -> Event? {
        let wasCarriageReturn = afterCarriageReturn
        afterCarriageReturn = byte == 0x0D
        if !pending.isEmpty { return continuePending(with: byte) }
        switch byte {
        case 0x0D, 0x0A:
            if byte == 0x0A && wasCarriageReturn { return nil }
            let submitted = line
            characters.removeAll()
            cursor = 0
            return .submit(submitted)
        case 0x03: return .interrupt
        case 0x04:
            if characters.isEmpty { return .endOfInput }
            if cursor < characters.count { characters.remove(at: cursor) }
        case 0x7F, 0x08:
            if cursor > 0 {
                cursor -= 1
                characters.remove(at: cursor)
            }
        case 0x15:
            characters.removeSubrange(..<cursor)
            cursor = 0
        case 0x17: deleteWordBeforeCursor()
        case 0x01: cursor = 0
        case 0x05: cursor = characters.count
        case 0x02: cursor = max(cursor - 1, 0)
        case 0x06: cursor = min(cursor + 1, characters.count)
        case 0x1B, 0xC2...0xF4: pending = [byte]
        case 0x20...0x7E: insert(Unicode.Scalar(byte))
        default: break  // other control keys, and bytes that cannot start UTF-8
        }
        return nil
    }

    /// A byte of an escape sequence or a multi-byte UTF-8 character.
    private mutating func continuePending(with byte: UInt8) -> Event? {
        if pending[0] == 0x1B {
            pending.append(byte)
            let introducer = pending[1]
            if introducer != UInt8(ascii: "[") && introducer != UInt8(ascii: "O") {
                // ESC then a key (Alt-key): dropped; the key itself counts.
                pending.removeAll()
                return feed(byte)
            }
            // A CSI sequence ends at its final byte (0x40-0x7E); SS3 is one byte long.
            guard pending.count >= 3, (0x40...0x7E).contains(byte) else {
                if pending.count > 16 { pending.removeAll() }
                return nil
            }
            let parameters = String(decoding: pending[2..<(pending.count - 1)], as: UTF8.self)
            pending.removeAll()
            switch (byte, parameters) {
            case (UInt8(ascii: "C"), ""): cursor = min(cursor + 1, characters.count)
            case (UInt8(ascii: "D"), ""): cursor = max(cursor - 1, 0)
            case (UInt8(ascii: "H"), ""), (UInt8(ascii: "~"), "1"), (UInt8(ascii: "~"), "7"): cursor = 0
            case (UInt8(ascii: "F"), ""), (UInt8(ascii: "~"), "4"), (UInt8(ascii: "~"), "8"): cursor = characters.count
            case (UInt8(ascii: "~"), "3"):
                if cursor < characters.count { characters.remove(at: cursor) }
            default: break  // other keys (up, down, function keys) do nothing
            }
            return nil
        }
        guard byte & 0xC0 == 0x80 else {
            // Not a continuation byte: the character so far is dropped; this byte counts.
            pending.removeAll()
            return feed(byte)
        }
        pending.append(byte)
        let length = pending[0] >= 0xF0 ? 4 : pending[0] >= 0xE0 ? 3 : 2
        guard pending.count == length else { return nil }
        var decoded = String(decoding: pending, as: UTF8.self).unicodeScalars.makeIterator()
        pending.removeAll()
        if let scalar = decoded.next(), scalar != "\u{FFFD}" { insert(scalar) }
        return nil
    }

    /// Inserts at the cursor; a combining mark joins the character before it.
    private mutating func insert(_ scalar: Unicode.Scalar) {
        if cursor > 0 {
            var merged = String(characters[cursor - 1])
            merged.unicodeScalars.append(scalar)
            if merged.count == 1 {
                characters[cursor - 1] = Character(merged)
                return
            }
        }
        characters.insert(Character(scalar), at: cursor)
        cursor += 1
    }

    /// Ctrl-W: the spaces before the cursor, then the word before them.
    private mutating func deleteWordBeforeCursor() {
        var start = cursor
        while start > 0 && characters[start - 1] == " " { start -= 1 }
        while start > 0 && characters[start - 1] != " " { start -= 1 }
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    /// What draws `prompt` and the line over the current terminal line, the cursor
    /// where it is in the line. A line too long for a terminal `width` columns wide is
    /// shown in part, the part around the cursor (it never wraps onto a second line).
    func redraw(prompt: String, width: Int = .max) -> String {
        let available = max(width - prompt.reduce(0) { $0 + Self.columns(of: $1) } - 1, 1)
        var start = 0
        var used = characters[..<cursor].reduce(0) { $0 + Self.columns(of: $1) }
        while used > available {
            used -= Self.columns(of: characters[start])
            start += 1
        }
        var end = cursor
        while end < characters.count && used + Self.columns(of: characters[end]) <= available {
            used += Self.columns(of: characters[end])
            end += 1
        }
        let behind = characters[cursor..<end].reduce(0) { $0 + Self.columns(of: $1) }
        return Self.clearLine + prompt + String(characters[start..<end]) + (behind > 0 ? "\u{1B}[\(behind)D" : "")
    }

    /// Back to the start of the terminal line, and that line erased.
    static let clearLine = "\r\u{1B}[K"

    /// The columns a character takes on a terminal: 2 for East Asian wide characters
    /// and emoji, else 1.
    static func columns(of character: Character) -> Int {
        guard let value = character.unicodeScalars.first?.value else { return 0 }
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
            0x1F900...0x1F9FF, 0x20000...0x3FFFD,
        ]
        return wide.contains { $0.contains(value) } ? 2 : 1
    }
}
