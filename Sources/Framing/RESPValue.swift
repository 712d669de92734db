/// One value of RESP, the Redis serialization protocol (version 2): what a Redis server
/// replies, and what a client sends (an array of bulk strings).
///
/// The Python counterpart is what `redis-py`'s parser returns: `bytes`, `int`, `None`,
/// lists and `ResponseError`.
public enum RESPValue: Sendable, Hashable {
    /// `+OK\r\n`: a short status line, without `\r` or `\n`.
    case simpleString(String)
    /// `-ERR unknown command\r\n`: an error reply, its first word usually the error kind.
    case error(String)
    /// `:42\r\n`: a signed 64-bit integer.
    case integer(Int64)
    /// `$5\r\nhello\r\n`: binary-safe bytes; `nil` is the null bulk string `$-1\r\n`
    /// (Redis's "no such key").
    case bulkString([UInt8]?)
    /// `*2\r\n…`: values of any type, nested arrays included; `nil` is the null array
    /// `*-1\r\n`.
    indirect case array([RESPValue]?)

    /// A bulk string holding `text`'s UTF-8 bytes.
    ///
    /// - Parameter text: The string.
    public static func bulkString(_ text: String) -> RESPValue { .bulkString(Array(text.utf8)) }

    /// The text of a simple string, or of a bulk string decoded as UTF-8; `nil` for other
    /// values and for null.
    public var text: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes?): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The number of an integer reply, or of a simple or bulk string holding a decimal
    /// integer (Redis replies `GET counter` with a bulk string); else `nil`.
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        default: text.flatMap { Int64($0) }
        }
    }

    /// The elements of a non-null array, else `nil`.
    public var elements: [RESPValue]? {
        if case .array(let elements?) = self { elements } else { nil }
    }

    /// Whether this is the null bulk string or the null array.
    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): true
        default: false
        }
    }

    /// How many arrays are nested in this value: 0 for a scalar, 1 for an array of
    /// scalars (an empty or null array included).
    public var depth: Int {
        guard case .array(let elements) = self else { return 0 }
        return 1 + (elements ?? []).reduce(0) { max($0, $1.depth) }
    }
}
