/// The encoder of JSON-header messages: a 4-byte big-endian header length, the header,
/// then the body.
///
/// Python: `h = json.dumps(header).encode(); sock.sendall(struct.pack('>I', len(h)) + h + body)`.
/// The header is checked first, so that a peer never receives a message whose `size`
/// does not match its body.
public struct JSONHeaderEncoder: MessageEncoder {
    /// One header and its body.
    public typealias Message = JSONHeaderMessage

    /// The longest header written, in bytes.
    public let maximumHeaderLength: Int

    private static let headerLengthField = LengthField.length

    /// Creates an encoder.
    ///
    /// - Parameter maximumHeaderLength: The longest header written (default 64 KiB, the
    ///   SPEC's limit, which ``JSONHeaderDecoder`` enforces by default). At most
    ///   `UInt32.max`, what the header length field can carry.
    public init(maximumHeaderLength: Int = JSONHeaderMessage.maximumHeaderLength) {
        precondition(
            (0...Self.headerLengthField.maximumValue).contains(maximumHeaderLength),
            "maximumHeaderLength must fit the 4-byte header length"
        )
        self.maximumHeaderLength = maximumHeaderLength
    }

    /// Appends the header length, the header and the body.
    ///
    /// - Parameters:
    ///   - message: The message; its header must be a UTF-8 JSON object whose `size` is
    ///     `body.count`, or has no `size` when the body is empty.
    ///   - buffer: The output.
    /// - Throws: ``FramingError/headerTooLarge(length:limit:)`` for a header over
    ///   ``maximumHeaderLength``; ``FramingError/malformedHeader(_:)`` when the header is
    ///   not a UTF-8 JSON object or its `size` does not match the body.
    public func encode(_ message: JSONHeaderMessage, into buffer: inout [UInt8]) throws(FramingError) {
        let header = message.header
        guard header.count <= maximumHeaderLength else {
            throw .headerTooLarge(length: header.count, limit: maximumHeaderLength)
        }
        let size = try JSONHeaderMessage.announcedSize(ofHeader: header)
        switch size {
        case nil where !message.body.isEmpty:
            throw .malformedHeader("header has no size but the body has \(message.body.count) bytes")
        case let size? where size != message.body.count:
            throw .malformedHeader("header size \(size) does not match the body's \(message.body.count) bytes")
        default:
            break
        }
        Self.headerLengthField.write(header.count, into: &buffer)
        buffer += header
        buffer += message.body
    }
}
