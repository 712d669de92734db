import Framing

/// What happened in a cluster chat room, as one node tells the others.
enum ChatClusterEvent: Equatable, Sendable {
    /// A member joined under `name`.
    case joined(name: String)
    /// A member left.
    case left(name: String)
    /// A member renamed itself with `/nick`.
    case renamed(from: String, to: String)
    /// A member said a line to the room.
    case line(name: String, text: String)
    /// A member sent a private message with `/msg`.
    case privateLine(from: String, to: String, text: String)
}

/// One event as published on the room's Redis channel: the node it comes from, that
/// node's sequence number for it, and the event. On the wire it is a RESP array of bulk
/// strings (`kind node sequence fields…`), so the payload is binary-safe and needs no
/// escaping.
struct ChatClusterMessage: Equatable, Sendable {
    /// The node that published it.
    var node: String
    /// The node's count of events published before this one (per-sender order, gaps).
    var sequence: UInt64
    /// What happened.
    var event: ChatClusterEvent

    /// The payload to publish.
    var payload: [UInt8] {
        let fields: [String]
        switch event {
        case .joined(let name): fields = ["joined", name]
        case .left(let name): fields = ["left", name]
        case .renamed(let old, let new): fields = ["renamed", old, new]
        case .line(let name, let text): fields = ["line", name, text]
        case .privateLine(let from, let to, let text): fields = ["private", from, to, text]
        }
        var bytes: [UInt8] = []
        RESPEncoder().encode(command: [node, String(sequence)] + fields, into: &bytes)
        return bytes
    }

    /// Decodes a payload; `nil` for one that is not a message of this format.
    init?(payload: [UInt8]) {
        var decoder = RESPDecoder(maximumElements: 8, maximumDepth: 1, maximumMessageLength: 1024 * 1024)
        decoder.feed(payload)
        guard let value = try? decoder.next(), decoder.takeBuffered().isEmpty, let elements = value.elements,
            elements.count >= 4
        else { return nil }
        let fields = elements.compactMap(\.text)
        guard fields.count == elements.count, let sequence = UInt64(fields[1]) else { return nil }
        let event: ChatClusterEvent
        switch (fields[2], fields.count) {
        case ("joined", 4): event = .joined(name: fields[3])
        case ("left", 4): event = .left(name: fields[3])
        case ("renamed", 5): event = .renamed(from: fields[3], to: fields[4])
        case ("line", 5): event = .line(name: fields[3], text: fields[4])
        case ("private", 6): event = .privateLine(from: fields[3], to: fields[4], text: fields[5])
        default: return nil
        }
        self.init(node: fields[0], sequence: sequence, event: event)
    }

    /// A message.
    init(node: String, sequence: UInt64, event: ChatClusterEvent) {
        self.node = node
        self.sequence = sequence
        self.event = event
    }
}
