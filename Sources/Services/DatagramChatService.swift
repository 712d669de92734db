import Sockets
import Synchronization

/// `chat --udp`: every sender address is a member (joined by its first datagram,
/// forgotten after ``idleLimit`` without one); each message is one datagram, in the
/// same formats as the TCP room.
public final class DatagramChatService: Sendable {
    /// How long a silent member stays in the room (SPEC: 10 minutes).
    public let idleLimit: Duration
    private struct State {
        var room = ChatRoom<SocketAddress>()
        var lastSeen: [SocketAddress: ContinuousClock.Instant] = [:]
    }
    private let state = Mutex(State())

    /// Creates an empty room.
    public init(idleLimit: Duration = .seconds(600)) {
        self.idleLimit = idleLimit
    }

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
            if state.lastSeen.updateValue(now, forKey: datagram.sender) == nil {
                deliveries += state.room.join(datagram.sender)
            }
            let (replies, quit) = state.room.receive(text, from: datagram.sender)
            deliveries += replies
            if quit {
                state.lastSeen[datagram.sender] = nil
                deliveries += state.room.leave(datagram.sender)
            }
            return deliveries
        }
        for delivery in deliveries {
            // A datagram that cannot be sent now is dropped, as UDP would drop it.
            _ = try? delivery.line.utf8.withContiguousStorageIfAvailable { bytes in
                try socket.trySendTo(UnsafeRawBufferPointer(bytes), delivery.recipient)
            }
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
