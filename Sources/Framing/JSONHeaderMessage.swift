#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A JSON-header message (seed 003's 自定制报头, "custom header"): a JSON object that
/// describes the message, and a body of exactly the header's `size` bytes.
///
/// On the wire (SPEC §3): a 4-byte big-endian header length H, the H bytes of the header,
/// then the body. Python writes one as
/// `h = json.dumps({...}).encode(); sock.sendall(struct.pack('>I', len(h)) + h + body)`.
public struct JSONHeaderMessage: Sendable, Equatable {
    /// The longest header the protocol allows (SPEC §3: H ≤ 64 KiB); the default limit
    /// of the decoder and the encoder, and what servers and clients hold each other to.
    public static let maximumHeaderLength = 64 * 1024

    /// The header's JSON object, as UTF-8 bytes exactly as received or to be sent.
    public var header: [UInt8]
    /// The body: as many bytes as the header's `size`, none when it has no `size`.
    public var body: [UInt8]

    /// Creates a message from the header's bytes and a body.
    ///
    /// - Parameters:
    ///   - header: A UTF-8 JSON object. Its `size` must equal `body.count` (or be absent
    ///     when the body is empty) for ``JSONHeaderEncoder`` to accept the message.
    ///   - body: The body.
    public init(header: [UInt8], body: [UInt8] = []) {
        self.header = header
        self.body = body
    }

    /// Creates a message whose header is `header` encoded with `JSONEncoder` (keys sorted).
    ///
    /// When the encoded header has no `size` and `body` is not empty, `"size": body.count`
    /// is added, so that the message is ready to encode. A header given as bytes (which
    /// Swift may pick this initializer for, as `[UInt8]` is `Encodable`) is taken as the
    /// JSON text itself, never encoded as a JSON array of numbers.
    ///
    /// - Parameters:
    ///   - header: A value that encodes to a JSON object, such as a struct.
    ///   - body: The body.
    /// - Throws: `EncodingError` when `header` cannot be encoded;
    ///   ``FramingError/malformedHeader(_:)`` when it does not encode to a JSON object.
    public init<Header: Encodable>(header: Header, body: [UInt8] = []) throws {
        if let bytes = header as? any Sequence<UInt8> {
            self.init(header: [UInt8](bytes), body: body)
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var json = Array(try encoder.encode(header))
        if try Self.announcedSize(ofHeader: json) == nil && !body.isEmpty {
            let sizeMember = Array("\"size\":\(body.count)".utf8)
            let isEmptyObject = json[1] == UInt8(ascii: "}")
            json.insert(contentsOf: isEmptyObject ? sizeMember : sizeMember + [UInt8(ascii: ",")], at: 1)
        }
        self.init(header: json, body: body)
    }

    /// Decodes the header with `JSONDecoder`.
    ///
    /// - Parameter type: The type to decode, such as a struct with the fields you expect.
    /// - Returns: The decoded header.
    /// - Throws: `DecodingError` when the header does not decode as `type`.
    public func decodeHeader<Header: Decodable>(_ type: Header.Type) throws -> Header {
        try JSONDecoder().decode(type, from: Data(header))
    }

    /// The body length a header announces: its `size`, or 0 when it has none.
    ///
    /// For services that stream large bodies instead of decoding whole messages: read the
    /// header with a `LengthPrefixedDecoder(.length, maximumLength: 64 * 1024)` (the same
    /// bytes on the wire), ask this for the body's length, then take the decoder's
    /// ``MessageDecoder/takeBuffered()`` bytes and read the rest of the body raw.
    ///
    /// - Parameters:
    ///   - header: The header's bytes.
    ///   - maximumBodyLength: The largest `size` accepted (default 16 MiB).
    /// - Returns: The number of body bytes that follow the header.
    /// - Throws: ``FramingError/malformedHeader(_:)`` when `header` is not a UTF-8 JSON
    ///   object or its `size` is not a non-negative integer;
    ///   ``FramingError/messageTooLarge(length:limit:)`` when `size` is over the maximum.
    public static func bodyLength(
        ofHeader header: [UInt8],
        maximumBodyLength: Int = 16 * 1024 * 1024
    ) throws(FramingError) -> Int {
        let length = try announcedSize(ofHeader: header) ?? 0
        guard length <= maximumBodyLength else {
            throw .messageTooLarge(length: length, limit: maximumBodyLength)
        }
        return length
    }

    /// The header's `size` (`nil` when absent), after checking the header is a UTF-8
    /// JSON object.
    static func announcedSize(ofHeader header: [UInt8]) throws(FramingError) -> Int? {
        try header.withUnsafeBytes { bytes in
            Result { () throws(FramingError) in try JSONHeaderParser.size(inHeader: bytes) }
        }.get()
    }
}
