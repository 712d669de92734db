/// The decoder of JSON-header messages (SPEC §3, seed 003's 自定制报头): a 4-byte
/// big-endian header length H, H bytes of a UTF-8 JSON object, then exactly the header's
/// `size` bytes of body (no `size`: no body).
///
/// The Python counterpart reads `h = struct.unpack('>I', recv(4))[0]`, then
/// `header = json.loads(recv(h))`, then `header['size']` bytes. The header is checked once,
/// as soon as it has arrived: over ``maximumHeaderLength``, not a UTF-8 JSON object, or a
/// `size` that is not a non-negative integer up to ``maximumBodyLength`` is an error
/// before any of the body is awaited.
public struct JSONHeaderDecoder: MessageDecoder {
    /// One header and its body.
    public typealias Message = JSONHeaderMessage

    /// The longest header accepted, in bytes.
    public let maximumHeaderLength: Int
    /// The longest body accepted, in bytes.
    public let maximumBodyLength: Int

    private var buffer = InputBuffer()
    /// The header already read and checked, while its body is arriving.
    private var pendingHeader: (bytes: [UInt8], bodyLength: Int)?

    private static let headerLengthField = LengthField.length

    /// Creates a decoder.
    ///
    /// - Parameters:
    ///   - maximumHeaderLength: The longest header accepted (default 64 KiB, the SPEC's limit).
    ///   - maximumBodyLength: The largest `size` accepted (default 16 MiB).
    public init(maximumHeaderLength: Int = JSONHeaderMessage.maximumHeaderLength, maximumBodyLength: Int = 16 * 1024 * 1024) {
        precondition(maximumHeaderLength >= 0 && maximumBodyLength >= 0, "maxima must not be negative")
        self.maximumHeaderLength = maximumHeaderLength
        self.maximumBodyLength = maximumBodyLength
    }

    /// Appends a copy of `bytes` to the buffered input.
    ///
    /// - Parameter bytes: The next bytes of the stream.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(bytes)
    }

    /// Returns the next complete message, or `nil` when more bytes are needed.
    ///
    /// - Throws: ``FramingError/headerTooLarge(length:limit:)``,
    ///   ``FramingError/malformedHeader(_:)``, or
    ///   ``FramingError/messageTooLarge(length:limit:)`` for a `size` over the maximum.
    public mutating func next() throws(FramingError) -> JSONHeaderMessage? {
        if pendingHeader == nil {
            guard let header = try readHeader() else { return nil }
            pendingHeader = header
        }
        guard let (header, bodyLength) = pendingHeader, buffer.count >= bodyLength else { return nil }
        pendingHeader = nil
        return JSONHeaderMessage(header: header, body: buffer.take(from: 0, length: bodyLength))
    }

    /// Reads and checks the next header, or returns `nil` when it has not fully arrived.
    private mutating func readHeader() throws(FramingError) -> (bytes: [UInt8], bodyLength: Int)? {
        let prefixWidth = Self.headerLengthField.width
        guard buffer.count >= prefixWidth else { return nil }
        let headerLength = buffer.withUnsafeBytes { Self.headerLengthField.read(from: $0) }
        guard headerLength <= maximumHeaderLength else {
            throw .headerTooLarge(length: headerLength, limit: maximumHeaderLength)
        }
        guard buffer.count - prefixWidth >= headerLength else { return nil }
        let size = try buffer.withUnsafeBytes { bytes in
            Result { () throws(FramingError) in
                try JSONHeaderParser.size(
                    inHeader: UnsafeRawBufferPointer(rebasing: bytes[prefixWidth..<prefixWidth + headerLength])
                )
            }
        }.get()
        let bodyLength = size ?? 0
        guard bodyLength <= maximumBodyLength else {
            throw .messageTooLarge(length: bodyLength, limit: maximumBodyLength)
        }
        return (buffer.take(from: prefixWidth, length: headerLength), bodyLength)
    }

    /// Returns `nil` when the stream ended between messages.
    ///
    /// - Throws: ``FramingError/truncated(buffered:)`` when it ended inside one.
    public mutating func finish() throws(FramingError) -> JSONHeaderMessage? {
        let buffered = (pendingHeader.map { Self.headerLengthField.width + $0.bytes.count } ?? 0) + buffer.count
        guard buffered == 0 else { throw .truncated(buffered: buffered) }
        return nil
    }

    /// Removes and returns the bytes not yet returned as a message, starting with the
    /// header length and header of a message whose body has not fully arrived.
    public mutating func takeBuffered() -> [UInt8] {
        var bytes: [UInt8] = []
        if let (header, _) = pendingHeader {
            Self.headerLengthField.write(header.count, into: &bytes)
            bytes += header
            pendingHeader = nil
        }
        return bytes + buffer.takeAll()
    }
}
