import Sockets

/// Seeds 003/004 TCP client: send each non-empty input line, print the answer.
func upperClient(port: UInt16?) throws {
    let s = try Socket(.inet, .stream)
    try s.connect(to: .ipv4(.loopback, port: port ?? 8080))
    while let line = readLine() {
        let sendData = line.trimmingWhitespace()
        if sendData.isEmpty { continue }
        try s.send(sendData.utf8)
        print(String(decoding: try s.recv(1024), as: UTF8.self))
    }
    s.close()
}

extension String {
    /// Python's `str.strip()`.
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
