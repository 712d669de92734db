import Sockets

/// Seeds 003/004 UDP server: every datagram back upper-cased to its sender.
func udpUpperServer(port: UInt16?) throws {
    let s = try Socket(.inet, .datagram)
    try s.bind(to: .ipv4(.loopback, port: port ?? 9000))
    print("listening on \(try s.localAddress())")
    while true {
        let (data, addr) = try s.recvFrom(1024)
        _ = try s.sendTo(String(decoding: data, as: UTF8.self).uppercased().utf8, addr)
    }
}
