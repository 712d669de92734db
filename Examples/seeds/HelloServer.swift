import Foundation
import Sockets

/// Seed 000 `tcpserver.py`: greet each client, answer `Hello, NAME!`, stop on `exit`;
/// one thread per connection.
func helloServer(port: UInt16?) throws {
    @Sendable func tcplink(_ sock: Socket, _ addr: SocketAddress) throws {
        print("Accept new connection from \(addr)...")
        try sock.send("Welcome!".utf8)
        while true {
            let data = try sock.recv(1024)
            if data.isEmpty || data == Array("exit".utf8) { break }
            print(String(decoding: data, as: UTF8.self))
            try sock.send("Hello, \(String(decoding: data, as: UTF8.self))!".utf8)
        }
        sock.close()
        print("Connection from \(addr) closed.")
    }
    let s = try Socket(.inet, .stream)
    try s.bind(to: .ipv4(.loopback, port: port ?? 8000))
    try s.listen(backlog: 5)
    print("Waiting for connection on \(try s.localAddress())...")
    while true {
        let (sock, addr) = try s.accept()
        Thread.detachNewThread { try? tcplink(sock, addr) }
    }
}
