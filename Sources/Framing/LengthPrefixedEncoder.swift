/// The `length` and `seed` framings' encoder: the message's length in a length field,
/// then its bytes.
///
/// With ``LengthField/seed`` this writes what seed 003's server sends:
/// `conn.send(struct.pack('i', len(back_msg)))` then `conn.sendall(back_msg)`.
public struct LengthPrefixedEncoder: MessageEncoder {
    /// One message's bytes.
    public typealias Message = [UInt8]

    /// The length field written in front of every message.
    public let field: LengthField

    /// Creates an encoder.
    ///
    /// - Parameter field: The length field (default ``LengthField/length``, 4-byte unsigned
    ///   big-endian).
    public init(_ field: LengthField = .length) {
        self.field = field
    }

    /// Appends the length field and `message`.
    ///
    /// - Parameters:
    ///   - message: The bytes to send.
    ///   - buffer: The output.
    /// - Throws: ``FramingError/messageTooLarge(length:limit:)`` when the message's length
    ///   does not fit the field (over ``LengthField/maximumValue``).
    public func encode(_ message: [UInt8], into buffer: inout [UInt8]) throws(FramingError) {
        try encode(bytes: message, into: &buffer)
    }

    /// ``encode(_:into:)`` for any byte collection, such as `"hello".utf8`.
    ///
    /// - Parameters:
    ///   - bytes: The bytes to send.
    ///   - buffer: The output.
    /// - Throws: ``FramingError/messageTooLarge(length:limit:)`` when their length does not
    ///   fit the field.
    public func encode(bytes: some Collection<UInt8>, into buffer: inout [UInt8]) throws(FramingError) {
        let length = bytes.count
        guard length <= field.maximumValue else {
            throw .messageTooLarge(length: length, limit: field.maximumValue)
        }
        field.write(length, into: &buffer)
        buffer.append(contentsOf: bytes)
    }
}
