import DequeModule
import Framing
import Sockets
import Synchronization

/// `chat` over TCP or Unix streams (seed 003's QQ-style chat, as a room): each
/// connection is a member; each message under the framing is one line.
///
/// Every member has its own writer task and a bounded outgoing queue: a member that
/// stops reading fills its queue and is disconnected, and the room goes on.
public final class ChatService: StreamService {
    /// The framing lines arrive and leave in (SPEC: line).
    public let framing: Framing
    /// The most bytes queued for one member before it is disconnected.
    public let maximumQueuedBytes: Int
    private let room = Mutex(ChatRoom<ObjectIdentifier>())
    private let outboxes = Mutex<[ObjectIdentifier: ChatOutbox]>([:])

    /// Creates an empty room.
    public init(framing: Framing = .line, maximumQueuedBytes: Int = 256 * 1024) {
        self.framing = framing
        self.maximumQueuedBytes = maximumQueuedBytes
    }

    public func serve(_ connection: Connection) async throws {
        let outbox = ChatOutbox(connection: connection, limit: maximumQueuedBytes)
        let member = ObjectIdentifier(outbox)
        outboxes.withLock { $0[member] = outbox }
        deliver(room.withLock { $0.join(member) })
        defer {
            outboxes.withLock { _ = $0.removeValue(forKey: member) }
            deliver(room.withLock { $0.leave(member) })
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await outbox.writeUntilClosed(framing: self.framing) }
            defer { outbox.finish() }
            do {
                for try await message in connection.messages(framing.makeDecoder()) {
                    let text = String(decoding: message, as: UTF8.self)
                    let (deliveries, quit) = room.withLock { $0.receive(text, from: member) }
                    deliver(deliveries)
                    if quit { break }
                }
            } catch let error as FramingError {
                outbox.enqueue("! \(error)")
                outbox.finish()
                try await group.waitForAll()
                throw error
            }
            outbox.finish()
            try await group.waitForAll()
        }
    }

    private func deliver(_ deliveries: [ChatRoom<ObjectIdentifier>.Delivery]) {
        guard !deliveries.isEmpty else { return }
        let targets = outboxes.withLock { boxes in deliveries.map { boxes[$0.recipient] } }
        for (delivery, outbox) in zip(deliveries, targets) {
            outbox?.enqueue(delivery.line)
        }
    }
}

/// One member's outgoing lines and the task that writes them.
final class ChatOutbox: Sendable {
    private struct State {
        var lines = Deque<String>()
        var queuedBytes = 0
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let connection: Connection
    private let limit: Int
    private let state = Mutex(State())

    init(connection: Connection, limit: Int) {
        self.connection = connection
        self.limit = limit
    }

    /// Queues a line; past the limit the member is too slow: its socket is closed.
    func enqueue(_ line: String) {
        let (resume, overflow) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
            guard !state.finished else { return (nil, false) }
            state.queuedBytes += line.utf8.count + 1
            if state.queuedBytes > limit {
                state.finished = true
                state.lines.removeAll()
                let waiter = state.waiter
                state.waiter = nil
                return (waiter, true)
            }
            state.lines.append(line)
            let waiter = state.waiter
            state.waiter = nil
            return (waiter, false)
        }
        if overflow { connection.socket.close() }
        resume?.resume()
    }

    /// No more lines will be queued; the writer ends once the queue is empty.
    func finish() {
        let waiter = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Writes queued lines as they come, until ``finish()`` and the queue is empty.
    func writeUntilClosed(framing: Framing) async throws {
        var output: [UInt8] = []
        while true {
            let (lines, finished) = state.withLock { state in
                defer {
                    state.lines.removeAll()
                    state.queuedBytes = 0
                }
                return (Array(state.lines), state.finished)
            }
            if !lines.isEmpty {
                output.removeAll(keepingCapacity: true)
                for line in lines { try framing.encode(Array(line.utf8), into: &output) }
                try await connection.write(output)
            } else if finished {
                return
            } else {
                await withCheckedContinuation { continuation in
                    let parked = state.withLock { state in
                        guard state.lines.isEmpty && !state.finished else { return false }
                        state.waiter = continuation
                        return true
                    }
                    if !parked { continuation.resume() }
                }
            }
        }
    }
}
