/// The decoder of RESP (version 2), the Redis serialization protocol: one message is one
/// complete value, an array with everything nested in it included.
///
/// The Python counterpart is `redis-py`'s reply parser (`redis.connection.PythonParser`).
/// Hostile input costs bounded memory and linear time: a bulk string longer than
/// ``maximumBulkLength``, an array of more than ``maximumElements`` elements or nested
/// deeper than ``maximumDepth`` is rejected as soon as its header arrives, and a message
/// over ``maximumMessageLength`` bytes as soon as that is known, before the bytes it
/// claims arrive. Bytes are scanned once, however they are chunked.
///
/// RESP3's types (`_`, `,`, `#`, `%`, `~`, `>`, …) are malformed here: a client gets RESP2
/// replies unless it sends `HELLO 3`. So is a simple string or error that is not UTF-8.
public struct RESPDecoder: MessageDecoder {
    /// One complete value.
    public typealias Message = RESPValue

    /// The longest bulk string accepted, in bytes.
    public let maximumBulkLength: Int
    /// The most elements one array may claim.
    public let maximumElements: Int
    /// The most arrays that may be nested in one another (1: arrays of scalars only).
    public let maximumDepth: Int
    /// The most bytes one message, everything nested in it included, may take on the wire.
    public let maximumMessageLength: Int

    /// An array whose header has been read and some of whose elements have not.
    private struct PartialArray: Sendable {
        var remaining: Int
        var elements: [RESPValue] = []
    }

    /// What one step of parsing produced.
    private enum Element {
        case value(RESPValue)
        case arrayHeader(count: Int)
    }

    private static let carriageReturn = UInt8(ascii: "\r")
    private static let lineFeed = UInt8(ascii: "\n")

    /// The received bytes, from the start of the message being decoded: they are consumed
    /// only when the whole message is, so ``takeBuffered()`` gives all of an unfinished one.
    private var buffer = InputBuffer()
    /// How many bytes of the unfinished message are parsed (into `arrays` and `pendingBulkLength`).
    private var offset = 0
    /// How many bytes after `offset` are known to hold no `\n`.
    private var scannedCount = 0
    /// The length of the bulk string whose header is parsed and whose body is awaited.
    private var pendingBulkLength: Int?
    /// The arrays being filled, outermost first.
    private var arrays: [PartialArray] = []

    /// Creates a decoder.
    ///
    /// - Parameters:
    ///   - maximumBulkLength: The longest bulk string accepted (default 16 MiB; Redis's
    ///     own `proto-max-bulk-len` is 512 MiB).
    ///   - maximumElements: The most elements one array may claim (default 1 Mi).
    ///   - maximumDepth: The deepest nesting of arrays accepted (default 16).
    ///   - maximumMessageLength: The most bytes one message may take (default 64 MiB).
    ///   All must be positive, except `maximumBulkLength` and `maximumElements` which may
    ///   be 0.
    public init(
        maximumBulkLength: Int = 16 * 1024 * 1024,
        maximumElements: Int = 1024 * 1024,
        maximumDepth: Int = 16,
        maximumMessageLength: Int = 64 * 1024 * 1024
    ) {
        precondition(maximumBulkLength >= 0 && maximumElements >= 0, "limits must not be negative")
        precondition(maximumDepth > 0 && maximumMessageLength > 0, "maximumDepth and maximumMessageLength must be positive")
        self.maximumBulkLength = maximumBulkLength
        self.maximumElements = maximumElements
        self.maximumDepth = maximumDepth
        self.maximumMessageLength = maximumMessageLength
    }

    /// Appends a copy of `bytes` to the buffered input.
    ///
    /// - Parameter bytes: The next bytes of the stream.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(bytes)
    }

    /// Returns the next complete value, or `nil` when more bytes are needed.
    ///
    /// - Throws: ``FramingError/malformedRESP(_:)`` for input that is not RESP2,
    ///   ``FramingError/negativeLength(_:)`` for a length below -1,
    ///   ``FramingError/messageTooLarge(length:limit:)`` for a bulk string or message over
    ///   its limit, ``FramingError/tooManyElements(count:limit:)`` and
    ///   ``FramingError/nestingTooDeep(limit:)`` for arrays over theirs.
    public mutating func next() throws(FramingError) -> RESPValue? {
        while true {
            guard let element = try nextElement() else {
                guard buffer.count <= maximumMessageLength else {
                    throw .messageTooLarge(length: buffer.count, limit: maximumMessageLength)
                }
                return nil
            }
            var value: RESPValue
            switch element {
            case .value(let scalar):
                value = scalar
            case .arrayHeader(let count):
                guard count == 0 else {
                    arrays.append(PartialArray(remaining: count))
                    continue
                }
                value = .array([])
            }
            while let last = arrays.indices.last {
                arrays[last].elements.append(value)
                arrays[last].remaining -= 1
                guard arrays[last].remaining == 0 else { break }
                value = .array(arrays.removeLast().elements)
            }
            if arrays.isEmpty {
                buffer.skip(offset)
                offset = 0
                return value
            }
        }
    }

    /// Returns `nil` when the stream ended between messages.
    ///
    /// - Throws: ``FramingError/truncated(buffered:)`` when it ended inside one.
    public mutating func finish() throws(FramingError) -> RESPValue? {
        guard buffer.isEmpty else { throw .truncated(buffered: buffer.count) }
        return nil
    }

    /// Removes and returns the bytes not yet returned as a message: all of an unfinished
    /// one, the parts already parsed included.
    public mutating func takeBuffered() -> [UInt8] {
        offset = 0
        scannedCount = 0
        pendingBulkLength = nil
        arrays = []
        return buffer.takeAll()
    }

    /// The size of the buffer's storage, for tests of memory use.
    var bufferCapacity: Int { buffer.capacity }

    /// Parses the next scalar or array header at `offset`, or returns `nil` when its bytes
    /// have not all arrived.
    private mutating func nextElement() throws(FramingError) -> Element? {
        if let length = pendingBulkLength {
            return try bulkBody(length: length).map { .value(.bulkString($0)) }
        }
        guard buffer.count > offset else { return nil }
        let type = buffer.withUnsafeBytes { $0[offset] }
        guard Array("+-:$*".utf8).contains(type) else {
            throw .malformedRESP("unknown type byte 0x\(String(type, radix: 16)) at the start of a value")
        }
        guard let line = try nextLine() else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            return .value(.simpleString(try Self.text(line, of: "simple string")))
        case UInt8(ascii: "-"):
            return .value(.error(try Self.text(line, of: "error")))
        case UInt8(ascii: ":"):
            return .value(.integer(try Self.integer(line, of: "integer")))
        case UInt8(ascii: "$"):
            guard let length = try Self.length(line, of: "bulk string") else { return .value(.bulkString(nil)) }
            guard length <= maximumBulkLength else {
                throw .messageTooLarge(length: length, limit: maximumBulkLength)
            }
            guard offset + length + 2 <= maximumMessageLength else {
                throw .messageTooLarge(length: offset + length + 2, limit: maximumMessageLength)
            }
            pendingBulkLength = length
            return try bulkBody(length: length).map { .value(.bulkString($0)) }
        default:
            guard arrays.count < maximumDepth else { throw .nestingTooDeep(limit: maximumDepth) }
            guard let count = try Self.length(line, of: "array") else { return .value(.array(nil)) }
            if count > maximumElements { throw .tooManyElements(count: count, limit: maximumElements) }
            return .arrayHeader(count: count)
        }
    }

    /// The body of a bulk string of `length` bytes and its `\r\n`, consumed; or `nil`
    /// when it has not all arrived.
    private mutating func bulkBody(length: Int) throws(FramingError) -> [UInt8]? {
        guard buffer.count - offset >= length + 2 else { return nil }
        let start = offset
        let terminated = buffer.withUnsafeBytes {
            $0[start + length] == Self.carriageReturn && $0[start + length + 1] == Self.lineFeed
        }
        guard terminated else { throw .malformedRESP("a bulk string of \(length) bytes not followed by \\r\\n") }
        let body = buffer.withUnsafeBytes { Array($0[start..<start + length]) }
        offset += length + 2
        pendingBulkLength = nil
        return body
    }

    /// The bytes between the type byte at `offset` and the `\r\n` ending its line,
    /// consumed; or `nil` when the line end has not arrived.
    private mutating func nextLine() throws(FramingError) -> [UInt8]? {
        let start = offset + 1
        let searchStart = offset + max(1, scannedCount)
        let newline = buffer.withUnsafeBytes { $0.index(of: Self.lineFeed, in: searchStart..<$0.count) }
        guard let newline else {
            scannedCount = buffer.count - offset
            return nil
        }
        guard newline + 1 <= maximumMessageLength else {
            throw .messageTooLarge(length: newline + 1, limit: maximumMessageLength)
        }
        let end = newline - 1
        let line = buffer.withUnsafeBytes { bytes -> [UInt8]? in
            guard end >= start, bytes[end] == Self.carriageReturn,
                bytes.index(of: Self.carriageReturn, in: start..<end) == nil
            else { return nil }
            return Array(bytes[start..<end])
        }
        guard let line else { throw .malformedRESP("a line not ended by \\r\\n, or with a \\r inside") }
        offset = newline + 1
        scannedCount = 0
        return line
    }

    /// The text of a simple string or error, which must be UTF-8 (Redis sends ASCII), so
    /// that it encodes back to the same bytes.
    private static func text(_ line: [UInt8], of kind: String) throws(FramingError) -> String {
        guard let text = String(validating: line, as: UTF8.self) else {
            throw .malformedRESP("a\(kind == "error" ? "n" : "") \(kind) that is not UTF-8")
        }
        return text
    }

    /// The length in a `$` or `*` header: `nil` for -1 (null).
    private static func length(_ line: [UInt8], of kind: String) throws(FramingError) -> Int? {
        let length = try integer(line, of: "\(kind) length")
        if length == -1 { return nil }
        guard length >= 0 else { throw .negativeLength(Int(length)) }
        return Int(length)
    }

    /// A decimal integer: an optional `-`, then 1 to 19 digits that fit in 64 bits.
    private static func integer(_ line: [UInt8], of kind: String) throws(FramingError) -> Int64 {
        let negative = line.first == UInt8(ascii: "-")
        let digits = line.dropFirst(negative ? 1 : 0)
        var value: Int64 = 0
        var valid = !digits.isEmpty && digits.count <= 19
        for digit in digits where valid {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else {
                valid = false
                break
            }
            // Accumulated with the sign, so that Int64.min fits.
            let digitValue = Int64(digit - UInt8(ascii: "0"))
            let (times10, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowedAgain) =
                negative ? times10.subtractingReportingOverflow(digitValue) : times10.addingReportingOverflow(digitValue)
            valid = !overflowed && !overflowedAgain
            value = sum
        }
        guard valid else {
            let shown = String(decoding: line.prefix(24), as: UTF8.self)
            throw .malformedRESP("\(kind) \"\(shown)\" is not a 64-bit decimal integer")
        }
        return value
    }
}
