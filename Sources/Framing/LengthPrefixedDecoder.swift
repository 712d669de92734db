/// The `length` and `seed` framings' decoder: a length field, then that many bytes.
///
/// The Python counterpart is seed 003's client: `n = struct.unpack('i', s.recv(4))[0]`,
/// then `recv` until `n` bytes have arrived. A claimed length over ``maximumLength`` is
/// rejected as soon as the length field has arrived, before any of the body; memory grows
/// only with the bytes that actually arrive, never with the claimed length.
public struct LengthPrefixedDecoder: MessageDecoder {
    /// One message's bytes, without the length field.
    public typealias Message = [UInt8]

    /// The length field in front of every message.
    public let field: LengthField
    /// The longest message accepted, in bytes.
    public let maximumLength: Int

    private var buffer = InputBuffer()

    /// Creates a decoder.
    ///
    /// - Parameters:
    ///   - field: The length field: ``LengthField/length`` (the default, 4-byte unsigned
    ///     big-endian) or ``LengthField/seed`` (`struct.pack('i', n)`), or any other.
    ///   - maximumLength: The longest message accepted (default 16 MiB, the SPEC's limit).
    ///     Must not be negative.
    public init(_ field: LengthField = .length, maximumLength: Int = 16 * 1024 * 1024) {
        precondition(maximumLength >= 0, "maximumLength must not be negative")
        self.field = field
        self.maximumLength = maximumLength
    }

    /// Appends a copy of `bytes` to the buffered input.
    ///
    /// - Parameter bytes: The next bytes of the stream.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(bytes)
    }

    /// Returns the next complete message, or `nil` when more bytes are needed.
    ///
    /// - Throws: ``FramingError/negativeLength(_:)`` for a negative signed length,
    ///   ``FramingError/messageTooLarge(length:limit:)`` for one over ``maximumLength``.
    public mutating func next() throws(FramingError) -> [UInt8]? {
        let width = field.width
        guard buffer.count >= width else { return nil }
        let length = buffer.withUnsafeBytes { field.read(from: $0) }
        guard length >= 0 else { throw .negativeLength(length) }
        guard length <= maximumLength else {
            throw .messageTooLarge(length: length, limit: maximumLength)
        }
        guard buffer.count - width >= length else { return nil }
        return buffer.take(from: width, length: length)
    }

    /// Returns `nil` when the stream ended between messages.
    ///
    /// - Throws: ``FramingError/truncated(buffered:)`` when it ended inside one.
    public mutating func finish() throws(FramingError) -> [UInt8]? {
        guard buffer.isEmpty else { throw .truncated(buffered: buffer.count) }
        return nil
    }

    /// Removes and returns the bytes not yet returned as a message, length field included.
    public mutating func takeBuffered() -> [UInt8] {
        buffer.takeAll()
    }

    /// The size of the buffer's storage, for tests of memory use.
    var bufferCapacity: Int { buffer.capacity }
}
