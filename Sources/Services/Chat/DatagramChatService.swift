import Logging
import Sockets
import Synchronization

/// `chat --udp`: every sender address is a member (joined by its first datagram, named
/// by it when it is `/nick NAME`, forgotten after ``idleLimit`` without one); each
/// message is one datagram, in the same formats as the TCP room.
///
/// A datagram sender cannot be paused, so there is no waiting here: a datagram that
/// the socket cannot take at once (its send buffer, or a Unix peer's queue, is full)
/// is dropped for that member and counted in ``droppedDatagrams``.
public final class DatagramChatService: Sendable {
    /// How long a silent member stays in the room (SPEC: 10 minutes).
    public let idleLimit: Duration
    private struct State {
        var room = ChatRoom<SocketAddress>()
        var lastSeen: [SocketAddress: ContinuousClock.Instant] = [:]
    }
    private let state = LockedValue(State())
    private let drops = Atomic<Int>(0)
    private let logger: Logger

    /// Creates an empty room.
    ///
    /// - Parameter logger: Dropped datagrams are reported at `.warning`: the first, then
    ///   each time the count doubles (a flood does not flood the log). By default
    ///   nothing is logged.
    public init(
        idleLimit: Duration = .seconds(600),
        logger: Logger = Logger(label: "sockets.chat-udp", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.idleLimit = idleLimit
        self.logger = logger
    }

    /// How many datagrams were dropped because the socket could not take them at once.
    public var droppedDatagrams: Int { drops.load(ordering: .relaxed) }

    /// Handles one datagram (a ``DatagramServer`` handler).
    public func handle(_ datagram: Datagram, from socket: Socket) async throws {
        let now = ContinuousClock.now
        let text = String(decoding: datagram.bytes, as: UTF8.self).trimmingLineEnd()
        let deliveries = state.withLock { state in
            var deliveries: [ChatRoom<SocketAddress>.Delivery] = []
            for (member, seen) in state.lastSeen where now - seen > idleLimit {
                state.lastSeen[member] = nil
                deliveries += state.room.leave(member)
            }
            if state.lastSeen.updateValue(now, forKey: datagram.address) == nil {
                // A first datagram `/nick NAME` names the newcomer as it arrives: one notice.
                let asked = ChatRoom<SocketAddress>.requestedName(text)
                deliveries += state.room.join(datagram.address, preferredName: asked)
                if let asked, state.room.name(of: datagram.address) == asked { return deliveries }
            }
            let (replies, quit) = state.room.receive(text, from: datagram.address)
            deliveries += replies
            if quit {
                state.lastSeen[datagram.address] = nil
                deliveries += state.room.leave(datagram.address)
            }
            return deliveries
        }
        for delivery in deliveries {
            var line = delivery.line
            do {
                let result = try line.withUTF8 { bytes throws(SocketError) in
                    try socket.trySendTo(UnsafeRawBufferPointer(bytes), delivery.recipient)
                }
                if case .wouldBlock = result { countDrop(for: delivery.recipient) }
            } catch let error as SocketError where error.kind == .closed {
                throw error
            } catch {
                // One member's address failing (a Unix peer gone) does not stop the others'.
                logger.notice("chat: send failed", metadata: ["peer": "\(delivery.recipient)", "error": "\(error)"])
            }
        }
    }

    private func countDrop(for recipient: SocketAddress) {
        let count = drops.add(1, ordering: .relaxed).newValue
        if count & (count - 1) == 0 {
            logger.warning(
                "chat: dropped datagrams for members that do not keep up",
                metadata: ["dropped": "\(count)", "last": "\(recipient)"])
        }
    }
}

extension String {
    /// Without one trailing `\n` or `\r\n` (a chat datagram typed into netcat has one).
    func trimmingLineEnd() -> String {
        var text = Substring(self)
        if text.hasSuffix("\n") { text = text.dropLast() }
        if text.hasSuffix("\r") { text = text.dropLast() }
        return String(text)
    }
}
