import Logging
import Sockets

/// `sock relay --udp`: every client address gets a datagram socket of its own,
/// connected to the target; datagrams from the client go out on it, and the target's
/// replies on it go back to that client from the relay's address. A client silent for
/// ``idleTimeout`` loses its socket (its next datagram makes a new one); past
/// ``maximumClients`` at once, a new client's datagrams are dropped.
final class DatagramRelay: Sendable {
    /// How long a client's socket lives without a reply from the target.
    static let idleTimeout: Duration = .seconds(60)
    /// How many clients may have a socket at once.
    static let maximumClients = 1024

    private let target: SocketAddress
    private let logger: Logger
    /// Each client's socket towards the target.
    private let sessions = LockedValue<[SocketAddress: Socket]>([:])

    /// A relay to the first of `targets`.
    init(targets: [SocketAddress], logger: Logger) {
        self.target = targets[0]
        self.logger = logger
    }

    /// Forwards one datagram from a client (a ``DatagramServer`` handler).
    func handle(_ datagram: Datagram, _ listener: Socket) async throws {
        let upstream = try session(for: datagram.address, replyingThrough: listener)
        try await upstream.write(datagram.bytes)
    }

    /// The client's socket towards the target; made, with a task returning the replies,
    /// on the client's first datagram.
    private func session(for client: SocketAddress, replyingThrough listener: Socket) throws -> Socket {
        let (existing, count) = sessions.withLock { ($0[client], $0.count) }
        if let existing { return existing }
        guard count < Self.maximumClients else {
            throw SocketError(.resourceExhausted, operation: "relay", address: client, detail: "too many clients")
        }
        let upstream = try Socket(target.family, .datagram)
        if target.family == .unix {
            // A Unix datagram socket needs a name of its own for replies to reach it.
            try upstream.bind(to: .unixAbstract(name: Array("sock-relay-\(UInt64.random(in: 0...UInt64.max))".utf8)))
        }
        try upstream.connect(to: target)
        sessions.withLock { $0[client] = upstream }
        logger.info("relay opened", metadata: ["peer": "\(client)", "target": "\(target)"])
        Task { await self.returnReplies(from: upstream, to: client, through: listener) }
        return upstream
    }

    /// Sends what the target answers on `upstream` back to `client`, until the client's
    /// socket has been idle for ``idleTimeout``.
    private func returnReplies(from upstream: Socket, to client: SocketAddress, through listener: Socket) async {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_535, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            do {
                let count = try await upstream.read(into: buffer, deadline: .now + Self.idleTimeout)
                try await listener.send(UnsafeRawBufferPointer(rebasing: buffer[..<count]), to: client)
            } catch let error as SocketError where error.kind == .connectionRefused {
                // Nobody at the target's port yet (ICMP); the client may try again.
                continue
            } catch {
                break
            }
        }
        sessions.withLock { $0[client] = nil }
        upstream.close()
        logger.info("relay closed", metadata: ["peer": "\(client)", "target": "\(target)"])
    }
}
