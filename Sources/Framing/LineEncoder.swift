/// The `line` framing's encoder: appends the message's bytes, then `\n`, like Python's
/// `sock.sendall(line + b'\n')`.
///
/// A message ending in `\r` is followed by `\r\n`, so that ``LineDecoder``, which drops
/// one `\r` before the `\n`, gives the message back unchanged. A message that contains
/// `\n` is refused (``FramingError/lineBreakInMessage(offset:)``): the peer would see each
/// part as its own line.
public struct LineEncoder: MessageEncoder {
    /// One line, without a line end.
    public typealias Message = [UInt8]

    /// Creates an encoder.
    public init() {}

    /// Appends `message` and its line end.
    ///
    /// - Parameters:
    ///   - message: The line, without `\n`.
    ///   - buffer: The output; unchanged when the message is refused.
    /// - Throws: ``FramingError/lineBreakInMessage(offset:)`` if `message` contains `\n`.
    public func encode(_ message: [UInt8], into buffer: inout [UInt8]) throws(FramingError) {
        try encode(bytes: message, into: &buffer)
    }

    /// Appends `bytes` and a line end: ``encode(_:into:)`` for any byte collection, such
    /// as `"hello".utf8`.
    ///
    /// - Parameters:
    ///   - bytes: The line, without `\n`.
    ///   - buffer: The output; unchanged when the message is refused.
    /// - Throws: ``FramingError/lineBreakInMessage(offset:)`` if `bytes` contains `\n`.
    public func encode(bytes: some Collection<UInt8>, into buffer: inout [UInt8]) throws(FramingError) {
        let start = buffer.count
        buffer.append(contentsOf: bytes)
        if let offset = buffer.withUnsafeBytes({ $0.index(of: UInt8(ascii: "\n"), in: start..<$0.count) }) {
            buffer.removeSubrange(start...)
            throw .lineBreakInMessage(offset: offset - start)
        }
        if !bytes.isEmpty && buffer.last == UInt8(ascii: "\r") {
            buffer.append(UInt8(ascii: "\r"))
        }
        buffer.append(UInt8(ascii: "\n"))
    }
}
