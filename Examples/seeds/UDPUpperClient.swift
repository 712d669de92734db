import Sockets

/// Seeds 003/004 UDP client: each non-empty input line as a datagram, print the answer.
func udpUpperClient(port: UInt16?) throws {
    let s = try Socket(.inet, .datagram)
    let server = SocketAddress.ipv4(.loopback, port: port ?? 9000)
    while let line = readLine() {
        let msg = line.trimmingWhitespace()
        if msg.isEmpty { continue }
        _ = try s.sendTo(msg.utf8, server)
        let (backMsg, addr) = try s.recvFrom(1024)
        print(String(decoding: backMsg, as: UTF8.self), addr)
    }
    s.close()
}
