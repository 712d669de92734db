import Framing

/// A message published on a channel this connection subscribed to (Redis's `message`
/// and `pmessage` pushes; `redis-py`'s `PubSub.get_message()` dictionaries).
public struct RedisPubSubMessage: Sendable, Equatable {
    /// The channel it was published on.
    public var channel: String
    /// The pattern it matched, for a `PSUBSCRIBE` subscription; else `nil`.
    public var pattern: String?
    /// What was published.
    public var payload: [UInt8]

    /// A message.
    ///
    /// - Parameters:
    ///   - channel: The channel it was published on.
    ///   - pattern: The pattern it matched, if any.
    ///   - payload: What was published.
    public init(channel: String, pattern: String? = nil, payload: [UInt8]) {
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
    }

    /// The message carried by a push reply, or `nil` if `value` is not a message push.
    init?(_ value: RESPValue) {
        guard let elements = value.elements, let kind = elements.first?.text else { return nil }
        switch (kind, elements.count) {
        case ("message", 3):
            guard let channel = elements[1].text, case .bulkString(let payload?) = elements[2] else { return nil }
            self.init(channel: channel, payload: payload)
        case ("pmessage", 4):
            guard let pattern = elements[1].text, let channel = elements[2].text, case .bulkString(let payload?) = elements[3]
            else { return nil }
            self.init(channel: channel, pattern: pattern, payload: payload)
        default:
            return nil
        }
    }
}
