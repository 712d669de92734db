/// `--crlf`: turns each line feed that has no carriage return before it into CR LF,
/// across chunk boundaries (what netcat's `-C` does to what it sends).
struct LineEndingTranslator {
    /// The last byte of the previous chunk.
    private var previous: UInt8?

    /// `bytes` with every lone LF made CR LF.
    mutating func translate(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 16)
        for byte in bytes {
            if byte == 0x0A && previous != 0x0D { output.append(0x0D) }
            output.append(byte)
            previous = byte
        }
        return output
    }
}
