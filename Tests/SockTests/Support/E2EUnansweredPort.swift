import Sockets
import TestSupport

/// A loopback port whose handshakes get no answer, as behind a firewall that drops
/// packets: a listener with its accept queue filled, so the kernel drops new SYNs.
final class E2EUnansweredPort {
    /// `127.0.0.1:PORT`.
    let address: SocketAddress
    private let listener: Socket
    private var queued: [Socket] = []

    /// Fills the queue of a listener with backlog 0 until a connect times out.
    init() throws {
        listener = try Socket.listen(on: "127.0.0.1:0", backlog: 0)
        address = try listener.localAddress()
        var full = false
        for _ in 0..<16 where !full {
            do {
                queued.append(try Socket.connect(to: [address], timeout: .milliseconds(300)))
            } catch {
                full = error.kind == .timedOut
            }
        }
        guard full else {
            close()
            throw HarnessError("the accept queue of \(address) never filled")
        }
    }

    /// Closes the listener and the queued connections.
    func close() {
        for socket in queued { socket.close() }
        listener.close()
    }

    deinit { close() }
}
