/// The `line` framing's decoder: a message is the bytes before a `\n`; a `\r` right
/// before the `\n` is dropped too.
///
/// The Python counterpart is reading with `sock.makefile('rb').readline()` and stripping
/// the line end. A line longer than ``maximumLength`` (without its line end) throws
/// ``FramingError/messageTooLarge(length:limit:)`` as soon as that is known, without
/// waiting for its newline. Bytes are scanned once: a long line arriving one byte at a
/// time costs time linear in its length.
public struct LineDecoder: MessageDecoder {
    /// One line, without its `\n` or `\r\n`.
    public typealias Message = [UInt8]

    /// The longest line accepted, in bytes, not counting the line end.
    public let maximumLength: Int

    private var buffer = InputBuffer()
    /// How many unconsumed bytes are known to hold no `\n`.
    private(set) var scannedCount = 0

    /// Creates a decoder.
    ///
    /// - Parameter maximumLength: The longest line accepted, without its line end
    ///   (default 64 KiB, the SPEC's limit for `line`). Must not be negative.
    public init(maximumLength: Int = 64 * 1024) {
        precondition(maximumLength >= 0, "maximumLength must not be negative")
        self.maximumLength = maximumLength
    }

    /// Appends a copy of `bytes` to the buffered input.
    ///
    /// - Parameter bytes: The next bytes of the stream.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(bytes)
    }

    /// Returns the next complete line without its line end, or `nil` when no `\n` has
    /// arrived yet.
    ///
    /// - Throws: ``FramingError/messageTooLarge(length:limit:)`` when the line is, or can
    ///   only become, longer than ``maximumLength``.
    public mutating func next() throws(FramingError) -> [UInt8]? {
        let limit = maximumLength
        let start = scannedCount
        let newline = buffer.withUnsafeBytes { $0.index(of: UInt8(ascii: "\n"), in: start..<$0.count) }
        guard let newline else {
            scannedCount = buffer.count
            // Over the limit, unless the extra byte may be the "\r" of a "\r\n".
            if buffer.count > limit && !(buffer.count == limit + 1 && lastByteIsCarriageReturn) {
                throw .messageTooLarge(length: buffer.count, limit: limit)
            }
            return nil
        }
        let hasCarriageReturn = newline > 0 && buffer.withUnsafeBytes { $0[newline - 1] } == UInt8(ascii: "\r")
        let length = hasCarriageReturn ? newline - 1 : newline
        guard length <= limit else {
            throw .messageTooLarge(length: length, limit: limit)
        }
        let line = buffer.take(from: 0, length: length)
        buffer.skip(newline + 1 - length)
        scannedCount = 0
        return line
    }

    /// Returns the last line if the stream ended without a final `\n` (kept as it is,
    /// a trailing `\r` included), else `nil`.
    ///
    /// - Throws: ``FramingError/messageTooLarge(length:limit:)`` when that last line is
    ///   longer than ``maximumLength``.
    public mutating func finish() throws(FramingError) -> [UInt8]? {
        guard !buffer.isEmpty else { return nil }
        guard buffer.count <= maximumLength else {
            throw .messageTooLarge(length: buffer.count, limit: maximumLength)
        }
        scannedCount = 0
        return buffer.takeAll()
    }

    /// Removes and returns the bytes of the line not yet complete.
    public mutating func takeBuffered() -> [UInt8] {
        scannedCount = 0
        return buffer.takeAll()
    }

    /// The size of the buffer's storage, for tests of memory use.
    var bufferCapacity: Int { buffer.capacity }

    private var lastByteIsCarriageReturn: Bool {
        buffer.withUnsafeBytes { $0.last == UInt8(ascii: "\r") }
    }
}
