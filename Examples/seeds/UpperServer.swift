import Sockets

/// Seeds 003/004 TCP server: send every message back upper-cased; a connection loop
/// around a communication loop that ends when the client goes away.
func upperServer(port: UInt16?) throws {
    let s = try Socket(.inet, .stream)
    try s.setOption(.reuseAddress, true)
    try s.bind(to: .ipv4(.loopback, port: port ?? 8080))
    try s.listen(backlog: 5)
    print("listening on \(try s.localAddress())")
    while true {
        let (conn, addr) = try s.accept()
        print("client address: \(addr)")
        while true {
            guard let data = try? conn.recv(1024), !data.isEmpty else { break }
            guard (try? conn.send(String(decoding: data, as: UTF8.self).uppercased().utf8)) != nil else { break }
        }
        conn.close()
    }
}
