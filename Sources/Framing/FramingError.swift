/// Why a decoder rejected its input, or an encoder its message.
///
/// Every decoder case means the peer broke the framing: the connection that produced the
/// bytes should be closed, and the decoder that threw is unusable from then on. An encoder
/// that throws has written nothing and can be used again.
public enum FramingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A message claimed, accumulated or was given more bytes than the limit allows.
    ///
    /// - Parameters:
    ///   - length: The claimed length (for a length prefix or a JSON `size`), the bytes
    ///     accumulated so far (for a line still waiting for its newline), or the message's
    ///     byte count (for an encoder whose length field cannot carry it).
    ///   - limit: The largest length that would have been accepted.
    case messageTooLarge(length: Int, limit: Int)
    /// A signed length field held a negative number, such as `struct.pack('i', -1)` writes.
    case negativeLength(Int)
    /// The 4-byte header length H of a JSON-header message is over its limit.
    case headerTooLarge(length: Int, limit: Int)
    /// A JSON header is not UTF-8, not a JSON object, or its `size` is not a non-negative
    /// integer; or an encoder was given a header whose `size` does not match its body.
    /// The associated text says which.
    case malformedHeader(String)
    /// The stream ended inside a message; `buffered` bytes of it had arrived.
    case truncated(buffered: Int)
    /// A message given to the `line` encoder contains `\n` at `offset`: sent, it would
    /// arrive as more than one line.
    case lineBreakInMessage(offset: Int)
    /// RESP input that breaks the protocol (an unknown type byte, a length or integer
    /// that is not a decimal number, a missing `\r\n`), or a RESP value that cannot be
    /// encoded (a simple string or error containing `\r` or `\n`). The text says which.
    case malformedRESP(String)
    /// A RESP array claimed more elements than the limit allows.
    case tooManyElements(count: Int, limit: Int)
    /// RESP arrays nested deeper than the limit allows.
    case nestingTooDeep(limit: Int)

    /// One line of English that says what went wrong, for logs and error replies.
    public var description: String {
        switch self {
        case .messageTooLarge(let length, let limit):
            "message of \(length) bytes is over the limit of \(limit) bytes"
        case .negativeLength(let length):
            "negative message length \(length)"
        case .headerTooLarge(let length, let limit):
            "header of \(length) bytes is over the limit of \(limit) bytes"
        case .malformedHeader(let reason):
            "malformed header: \(reason)"
        case .truncated(let buffered):
            "stream ended inside a message (\(buffered) bytes of it buffered)"
        case .lineBreakInMessage(let offset):
            "a line message contains a line break (at byte \(offset))"
        case .malformedRESP(let reason):
            "malformed RESP: \(reason)"
        case .tooManyElements(let count, let limit):
            "array of \(count) elements is over the limit of \(limit) elements"
        case .nestingTooDeep(let limit):
            "arrays nested deeper than the limit of \(limit)"
        }
    }
}
