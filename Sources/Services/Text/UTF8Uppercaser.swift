/// Upper-cases UTF-8 text that arrives in arbitrary chunks.
///
/// Valid UTF-8 is upper-cased with Unicode's rules (`ß` becomes `SS`); bytes that are
/// not UTF-8 pass through unchanged; a multi-byte character split across chunks is
/// held back until its last byte arrives, so it is never corrupted.
public struct UTF8Uppercaser: Sendable {
    private var pending: [UInt8] = []

    /// Creates an upper-caser with nothing pending.
    public init() {}

    /// Upper-cases `chunk` (after any bytes held back from the previous one).
    ///
    /// - Parameter isFinal: No more chunks follow: emit held-back bytes as they are.
    public mutating func process(_ chunk: some Collection<UInt8>, isFinal: Bool = false) -> [UInt8] {
        var input = pending
        input.append(contentsOf: chunk)
        pending = []
        if !isFinal {
            let held = Self.incompleteSuffixLength(input)
            pending = Array(input.suffix(held))
            input.removeLast(held)
        }
        return Self.uppercase(input)
    }

    /// Upper-cases one complete message.
    public static func uppercase(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            return bytes.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var validStart = 0
        var index = 0
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        func flushValid(upTo end: Int) {
            if validStart < end {
                output.append(contentsOf: String(decoding: bytes[validStart..<end], as: UTF8.self).uppercased().utf8)
            }
        }
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar):
                index += scalar.count
            case .error(let length):
                flushValid(upTo: index)
                output.append(contentsOf: bytes[index..<index + length])
                index += length
                validStart = index
            case .emptyInput:
                break loop
            }
        }
        flushValid(upTo: index)
        return output
    }

    /// How many trailing bytes form the start of a multi-byte character that is not complete yet.
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        for back in stride(from: 1, through: min(3, bytes.count), by: 1) {
            let lead = bytes[bytes.count - back]
            if lead & 0xC0 == 0x80 { continue }
            let needed = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 && lead < 0xF0 ? 3 : lead >= 0xC2 && lead < 0xE0 ? 2 : 1
            return needed > back ? back : 0
        }
        return 0
    }
}
