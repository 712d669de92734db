import Sockets
import TestSupport

/// A UDP client bound to an ephemeral loopback port.
final class E2EDatagramClient {
    let socket: Socket
    let server: SocketAddress

    init(_ address: String, timeout: Duration = E2E.timeout) throws {
        guard let target = try Resolver.resolve(address, type: .datagram).first else {
            throw HarnessError("\(address) does not resolve")
        }
        server = target
        socket = try Socket(target.family, .datagram)
        socket.timeout = timeout
        try socket.bind(to: SocketAddress(target.family == .inet6 ? "[::1]:0" : "127.0.0.1:0")!)
    }

    deinit { socket.close() }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws { _ = try socket.sendTo(bytes, server) }

    /// The next datagram from the server.
    func receive() throws -> [UInt8] {
        while true {
            let (bytes, sender) = try socket.recvFrom(65_536)
            if sender == server { return bytes }
        }
    }

    func receiveText() throws -> String { String(decoding: try receive(), as: UTF8.self) }

    /// Whether no datagram arrives within `timeout`.
    func receivesNothing(within timeout: Duration) -> Bool {
        let saved = socket.timeout
        defer { socket.timeout = saved }
        socket.timeout = timeout
        return (try? socket.recvFrom(65_536)) == nil
    }
}
