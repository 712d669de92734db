/// The `line` framing's encoder: appends the message's bytes, then `\n`, like Python's
/// `sock.sendall(line + b'\n')`.
///
/// A message ending in `\r` is followed by `\r\n`, so that ``LineDecoder``, which drops
/// one `\r` before the `\n`, gives the message back unchanged. A message must not contain
/// `\n`: the peer would see each part as its own line.
public struct LineEncoder: MessageEncoder {
    /// One line, without a line end.
    public typealias Message = [UInt8]

    /// Creates an encoder.
    public init() {}

    /// Appends `message` and its line end. Never throws.
    ///
    /// - Parameters:
    ///   - message: The line, without `\n`.
    ///   - buffer: The output.
    public func encode(_ message: [UInt8], into buffer: inout [UInt8]) throws(FramingError) {
        encode(bytes: message, into: &buffer)
    }

    /// Appends `bytes` and a line end: ``encode(_:into:)`` for any byte collection, such
    /// as `"hello".utf8`.
    ///
    /// - Parameters:
    ///   - bytes: The line, without `\n`.
    ///   - buffer: The output.
    public func encode(bytes: some Collection<UInt8>, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: bytes)
        if !bytes.isEmpty && buffer.last == UInt8(ascii: "\r") {
            buffer.append(UInt8(ascii: "\r"))
        }
        buffer.append(UInt8(ascii: "\n"))
    }
}
