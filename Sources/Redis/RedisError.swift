import Framing

/// Why a Redis call failed.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an error reply, such as `ERR unknown command 'FOO'` or
    /// `WRONGPASS invalid username-password pair`; the text is the reply's.
    case server(String)
    /// The connection is gone (closed, reset, timed out, or its reader failed); every
    /// command still waiting for its reply fails with this. The text says why.
    case connectionClosed(String)
    /// A `redis://` URL that cannot be used; the text says why.
    case invalidURL(String)
    /// The server answered with a reply of a kind the call did not expect.
    case unexpectedReply(RESPValueDescription)

    /// One line of English for logs.
    public var description: String {
        switch self {
        case .server(let message): "redis: \(message)"
        case .connectionClosed(let reason): "redis: connection closed: \(reason)"
        case .invalidURL(let reason): "redis: invalid URL: \(reason)"
        case .unexpectedReply(let reply): "redis: unexpected reply \(reply.text)"
        }
    }
}

/// A short, printable rendering of a reply, kept in ``RedisError/unexpectedReply(_:)``.
public struct RESPValueDescription: Sendable, Equatable {
    /// The rendering, at most about 100 characters.
    public let text: String

    /// Renders `value`.
    ///
    /// - Parameter value: The reply.
    public init(_ value: RESPValue) {
        let full = String(describing: value)
        text = full.count > 100 ? String(full.prefix(100)) + "…" : full
    }
}
