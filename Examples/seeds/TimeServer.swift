import Foundation
import Sockets

/// Seed 002: answer every message with `[ctime] message`, one client at a time.
func timeServer(port: UInt16?) throws {
    let tcpServer = try Socket()
    try tcpServer.bind(to: .ipv4(.loopback, port: port ?? 8009))
    try tcpServer.listen(backlog: 5)
    while true {
        print("waiting for connection on \(try tcpServer.localAddress())...")
        let (conn, addr) = try tcpServer.accept()
        print("...connected from:", addr)
        while true {
            let data = try conn.recv(1024)
            if data.isEmpty { break }
            try conn.send("[\(ctime())] \(String(decoding: data, as: UTF8.self))".utf8)
        }
        conn.close()
    }
}

/// Python's `time.ctime()`: `Sun Nov 22 01:50:47 2026`.
func ctime() -> String {
    var now = time(nil)
    var parts = tm()
    localtime_r(&now, &parts)
    var text = [CChar](repeating: 0, count: 32)
    strftime(&text, text.count, "%a %b %e %H:%M:%S %Y", &parts)
    return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
