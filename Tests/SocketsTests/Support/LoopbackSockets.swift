import Sockets
import TestSupport
import Testing

/// Whether `::1` can be bound here; IPv6 tests are skipped with a reason when it cannot.
let isIPv6LoopbackAvailable: Bool = {
    guard let probe = try? Socket(.inet6, .stream) else { return false }
    defer { probe.close() }
    return (try? probe.bind(to: .ipv6(.loopback, port: 0))) != nil
}()

/// Skips the current test when `family` is IPv6 and `::1` is unavailable.
func requireLoopback(_ family: SocketFamily) throws {
    if family == .inet6 && !isIPv6LoopbackAvailable {
        try Test.cancel("::1 is not configured on this host; IPv6 loopback tests skipped")
    }
}

/// `127.0.0.1:port` or `[::1]:port`.
func loopback(_ family: SocketFamily, port: UInt16 = 0) -> SocketAddress {
    family == .inet6 ? .ipv6(.loopback, port: port) : .ipv4(.loopback, port: port)
}

/// A listening TCP socket on the loopback address of `family`, on a free port.
func makeListener(_ family: SocketFamily = .inet, backlog: Int = 16) throws -> Socket {
    let listener = try Socket(family, .stream)
    listener.timeout = testTimeout
    try listener.bind(to: loopback(family))
    try listener.listen(backlog: backlog)
    return listener
}

/// A connected TCP pair over the loopback of `family` (the listener is closed again).
func tcpPair(_ family: SocketFamily = .inet) throws -> (client: Socket, server: Socket) {
    let listener = try makeListener(family)
    defer { listener.close() }
    let client = try Socket(family, .stream)
    client.timeout = testTimeout
    try client.connect(to: listener.localAddress())
    let (server, _) = try listener.accept()
    server.timeout = testTimeout
    return (client, server)
}

/// A connected Unix socket pair of `type`, both ends with the test timeout.
func unixPair(_ type: SocketType = .stream) throws -> (Socket, Socket) {
    let (a, b) = try Socket.pair(.unix, type)
    a.timeout = testTimeout
    b.timeout = testTimeout
    return (a, b)
}

/// A connected stream pair of `family`: TCP over loopback, or a Unix socketpair.
func streamPair(_ family: SocketFamily) throws -> (Socket, Socket) {
    family == .unix ? try unixPair() : try tcpPair(family)
}
