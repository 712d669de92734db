import Sockets

/// Seed 000 `tcpclient.py`: read the welcome, send three messages, print each answer, say `exit`.
func helloClient(port: UInt16?) throws {
    let s = try Socket(.inet, .stream)
    try s.connect(to: .ipv4(.loopback, port: port ?? 8000))
    print(String(decoding: try s.recv(1024), as: UTF8.self))
    for data in ["mindthink", "code change the world", "hello world"] {
        try s.send(data.utf8)
        print(String(decoding: try s.recv(1024), as: UTF8.self))
    }
    try s.send("exit".utf8)
    s.close()
}
