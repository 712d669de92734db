import Framing
import Sockets
import Synchronization

/// `chat` over TCP or Unix streams (seed 003's QQ-style chat, as a room): each
/// connection is a member; each message under the framing is one line.
///
/// Every member has a writer task and a bounded outgoing queue (``OutboundQueue``).
/// While a member's queue is over its bound, the members who send to it wait — their
/// reads pause, so TCP slows them down — for at most ``patience``; a member whose
/// queue is still over its bound then is disconnected, and the room goes on (SPEC §4).
public final class ChatService: StreamService {
    /// The framing lines arrive and leave in (SPEC: line).
    public let framing: Framing
    /// The most bytes queued for one member before its senders wait for it.
    public let maximumQueuedBytes: Int
    /// How long a member's queue may stay over ``maximumQueuedBytes`` before the member
    /// is disconnected (SPEC: 5 s).
    public let patience: Duration
    /// The bridge to the room's other nodes (SPEC §8), if the room is a cluster's.
    public let cluster: ChatCluster?
    let room = LockedValue(ChatRoom<ObjectIdentifier>())
    private let members = LockedValue<[ObjectIdentifier: ChatMember]>([:])

    /// Creates an empty room; with a `cluster`, one node of a room that spans several.
    public init(
        framing: Framing = .line, maximumQueuedBytes: Int = 256 * 1024, patience: Duration = .seconds(5),
        cluster: ChatCluster? = nil
    ) {
        self.framing = framing
        self.maximumQueuedBytes = maximumQueuedBytes
        self.patience = patience
        self.cluster = cluster
        cluster?.attach { [self] delivery in deliver(fromCluster: delivery) }
    }

    /// Serves one member: joins it, passes its lines to the room, writes it what the
    /// room sends it, and leaves when it quits, ends its stream, or is too slow.
    public func serve(_ connection: Connection) async throws {
        let member = ChatMember(connection: connection, limit: maximumQueuedBytes, patience: patience)
        let id = ObjectIdentifier(member)
        members.withLock { $0[id] = member }
        defer {
            members.withLock { _ = $0.removeValue(forKey: id) }
            let (name, deliveries) = room.withLock { ($0.name(of: id), $0.leave(id)) }
            if let name { cluster?.memberLeft(name) }
            deliverWithoutWaiting(deliveries)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await member.writeUntilFinished(framing: self.framing)
                } catch {
                    // It can no longer be written to: those who send to it must not wait for
                    // its queue, and its reads end too.
                    member.disconnect()
                    throw error
                }
            }
            defer { member.outbox.finish() }
            // The member's own notice is queued under the room's lock: a line another
            // member says once this one is in the room (on another reactor, maybe) is
            // queued after it, so the member's first line is always its own `joined`.
            let guestName = await cluster?.nextGuestName()
            let joined = room.withLock { room in
                let deliveries = room.join(id, preferredName: guestName)
                if let name = room.name(of: id) { cluster?.memberJoined(name) }
                for delivery in deliveries where delivery.recipient == id {
                    _ = member.outbox.sendWithoutWaiting(delivery.line, size: ChatMember.size(of: delivery.line))
                }
                return deliveries.filter { $0.recipient != id }
            }
            try await deliver(joined)
            do {
                for try await message in connection.messages(framing.makeDecoder()) {
                    let text = String(decoding: message, as: UTF8.self)
                    let (deliveries, quit) =
                        if let cluster {
                            await receive(text, from: id, through: cluster)
                        } else {
                            room.withLock { $0.receive(text, from: id) }
                        }
                    try await deliver(deliveries)
                    if quit { break }
                }
            } catch let error as FramingError {
                let notice = "! \(error)"
                _ = member.outbox.sendWithoutWaiting(notice, size: ChatMember.size(of: notice))
                member.outbox.finish()
                try await group.waitForAll()
                throw error
            }
            member.outbox.finish()
            try await group.waitForAll()
        }
    }

    /// Queues each line for its recipient, waiting while the recipient's queue is over
    /// its bound; a recipient whose queue overflows is disconnected.
    private func deliver(_ deliveries: [ChatRoom<ObjectIdentifier>.Delivery]) async throws(CancellationError) {
        guard !deliveries.isEmpty else { return }
        let targets = members.withLock { members in deliveries.map { members[$0.recipient] } }
        for (delivery, target) in zip(deliveries, targets) {
            guard let target else { continue }
            if try await target.outbox.send(delivery.line, size: ChatMember.size(of: delivery.line)) == .overflowed {
                target.disconnect()
            }
        }
    }

    /// Queues notices a member cannot wait to send (it is leaving), and lines from other nodes.
    func deliverWithoutWaiting(_ deliveries: [ChatRoom<ObjectIdentifier>.Delivery]) {
        guard !deliveries.isEmpty else { return }
        let targets = members.withLock { members in deliveries.map { members[$0.recipient] } }
        for (delivery, target) in zip(deliveries, targets) {
            guard let target else { continue }
            if target.outbox.sendWithoutWaiting(delivery.line, size: ChatMember.size(of: delivery.line)) == .overflowed {
                target.disconnect()
            }
        }
    }
}

/// One member of a ``ChatService`` room: its connection and outgoing lines.
final class ChatMember: Sendable {
    let connection: Connection
    let outbox: OutboundQueue<String>

    init(connection: Connection, limit: Int, patience: Duration) {
        self.connection = connection
        outbox = OutboundQueue(limit: limit, patience: patience)
    }

    /// What a line counts against the queue's bound: its bytes and a terminator.
    static func size(of line: String) -> Int { line.utf8.count + 1 }

    /// Too slow: drops what is queued and closes the socket, which ends the member's
    /// reads and writes.
    func disconnect() {
        outbox.close()
        connection.socket.close()
    }

    /// Writes queued lines as they come, until the queue is finished and empty.
    func writeUntilFinished(framing: Framing) async throws {
        var batch: [String] = []
        var output: [UInt8] = []
        while try await outbox.nextBatch(into: &batch) {
            // A buffer grown by a big batch is not kept for the member's whole life.
            output.removeAll(keepingCapacity: output.capacity <= 64 * 1024)
            for line in batch { try framing.encode(line.utf8, into: &output) }
            try await connection.write(output)
        }
    }
}
