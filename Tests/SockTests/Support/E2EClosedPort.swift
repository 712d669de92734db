import Sockets

/// A port on 127.0.0.1 where nothing listens: a socket bound to it but not listening,
/// kept open so no other test takes the port (a connection to it is refused).
final class E2EClosedPort {
    let socket: Socket
    let port: Int

    init() throws {
        socket = try Socket(.inet, .stream)
        try socket.bind(to: SocketAddress("127.0.0.1:0")!)
        port = Int(try socket.localAddress().port ?? 0)
    }

    deinit { socket.close() }
}
