/// `--hex`: the bytes of one direction of a connection as `hexdump -C` lines, each
/// marked with the direction (`>` sent, `<` received) and the offset in that direction:
///
///     > 00000000  68 65 6c 6c 6f 0a                                  |hello.|
struct HexDump {
    /// `>` or `<`.
    let marker: Character
    /// The bytes of this direction dumped so far.
    private(set) var offset = 0

    /// A dump of the direction `marker` stands for, from offset 0.
    init(marker: Character) {
        self.marker = marker
    }

    /// The lines for the next `bytes` of this direction, each ending in a line break.
    mutating func lines(_ bytes: UnsafeRawBufferPointer) -> String {
        var text = ""
        var start = 0
        while start < bytes.count {
            let row = bytes[start..<min(start + 16, bytes.count)]
            text.append(marker)
            text += " " + Self.hex(offset + start, digits: 8) + "  "
            for column in 0..<16 {
                text += column < row.count ? Self.hex(Int(row[start + column]), digits: 2) + " " : "   "
                if column == 7 { text += " " }
            }
            text += " |" + String(row.map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "." }) + "|\n"
            start += 16
        }
        offset += bytes.count
        return text
    }

    private static func hex(_ value: Int, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
