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
    /// How long a newcomer has to send its first line before it is announced as `guest-N`.
    public let arrivalWindow: Duration
    /// The bridge to the room's other nodes (SPEC §8), if the room is a cluster's.
    public let cluster: ChatCluster?
    let room = LockedValue(ChatRoom<ObjectIdentifier>())
    private let members = LockedValue<[ObjectIdentifier: ChatMember]>([:])

    /// Creates an empty room; with a `cluster`, one node of a room that spans several.
    ///
    /// - Parameter arrivalWindow: How long a newcomer has to send its first line (a
    ///   client's `/nick NAME`) before it is announced as `guest-N`.
    public init(
        framing: Framing = .line, maximumQueuedBytes: Int = 256 * 1024, patience: Duration = .seconds(5),
        arrivalWindow: Duration = .milliseconds(250), cluster: ChatCluster? = nil
    ) {
        self.framing = framing
        self.arrivalWindow = arrivalWindow
        self.maximumQueuedBytes = maximumQueuedBytes
        self.patience = patience
        self.cluster = cluster
        cluster?.attach { [self] delivery in deliver(fromCluster: delivery) }
    }

    /// Serves one member: joins it, passes its lines to the room, writes it what the
    /// room sends it, and leaves when it quits, ends its stream, or is too slow.
    ///
    /// The room announces the newcomer once (SPEC §4 notices): at its first line, or
    /// after ``arrivalWindow`` without one. A first line `/nick NAME` with a free name
    /// makes that the name it arrives with (`* NAME joined`, not `* guest-N joined`
    /// then `* guest-N is now NAME`); any other first line arrives it as `guest-N`,
    /// then counts as usual. Until then it is in no one's list and receives nothing.
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
        let arrival = LockedValue(false)
        let announcement = Task { [self] in
            try? await Task.sleep(for: arrivalWindow)
            guard Self.claim(arrival) else { return }
            try? await deliver(arrive(member, id, asking: nil))
        }
        do {
            try await converse(member, id, arrival: arrival, announcement: announcement)
        } catch {
            // The member leaves after this: it must not arrive later.
            _ = Self.claim(arrival)
            announcement.cancel()
            await announcement.value
            throw error
        }
        _ = Self.claim(arrival)
        announcement.cancel()
        await announcement.value
    }

    /// Writes to `member` and reads its lines until it quits or its stream ends.
    private func converse(
        _ member: ChatMember, _ id: ObjectIdentifier, arrival: LockedValue<Bool>, announcement: Task<Void, Never>
    ) async throws {
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
            var arrived = false
            do {
                for try await message in member.connection.messages(framing.makeDecoder()) {
                    let text = String(decoding: message, as: UTF8.self)
                    if !arrived {
                        arrived = true
                        if Self.claim(arrival) {
                            announcement.cancel()
                            let asked = ChatRoom<ObjectIdentifier>.requestedName(text)
                            try await deliver(arrive(member, id, asking: asked))
                            if let asked, room.withLock({ $0.name(of: id) }) == asked { continue }
                        } else {
                            // Announced by the window's end: its lines wait for that.
                            await announcement.value
                        }
                    }
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

    /// Joins a newcomer as `asked` when that name is free (here and, in a cluster, on
    /// the other nodes), else as the next `guest-N`.
    ///
    /// - Returns: What the others receive. The newcomer's own notice is queued under the
    ///   room's lock: a line another member says once this one is in the room (on
    ///   another reactor, maybe) is queued after it, so its first line is its own `joined`.
    private func arrive(_ member: ChatMember, _ id: ObjectIdentifier, asking asked: String?) async -> [Delivery] {
        var preferredName: String?
        if let asked, room.withLock({ $0.member(named: asked) }) == nil {
            if let cluster {
                if !cluster.isRemote(asked), await cluster.claim(asked) { preferredName = asked }
            } else {
                preferredName = asked
            }
        }
        if preferredName == nil { preferredName = await cluster?.nextGuestName() }
        return room.withLock { room in
            let deliveries = room.join(id, preferredName: preferredName)
            if let name = room.name(of: id) { cluster?.memberJoined(name) }
            for delivery in deliveries where delivery.recipient == id {
                _ = member.outbox.sendWithoutWaiting(delivery.line, size: ChatMember.size(of: delivery.line))
            }
            return deliveries.filter { $0.recipient != id }
        }
    }

    /// True for the first caller only: the newcomer arrives once, by its first line or
    /// by the end of the window, whichever comes first.
    private static func claim(_ arrival: LockedValue<Bool>) -> Bool {
        arrival.withLock { claimed in
            defer { claimed = true }
            return !claimed
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
