import Foundation
import Sockets

/// `sock listen --udp ADDR`: datagrams from the first peer to stdout, one line each;
/// each stdin line back to that peer as one datagram (what `sock connect --udp` does
/// from the other side). Runs until a signal ends it. With `hex`, each datagram each
/// way is dumped on stderr too.
struct DatagramListener {
    /// Where to bind: `HOST:PORT`, `[IPV6]:PORT` or `unix:PATH`.
    let address: String
    /// Whether `--hex` was given.
    let hex: Bool

    func run() async throws {
        if case .unix(let path) = SocketAddress(address) { try UnixSocketFile.prepare(path, type: .datagram) }
        let socket = try Socket.bindDatagram(to: address)
        defer { socket.close() }
        // It runs until a signal ends it: the signal removes its socket file, or an error does.
        let socketFile = UnixSocketFile.path(of: address).flatMap(UnixSocketFile.init(boundAt:))
        socketFile?.removeOnInterrupt()
        defer {
            InterruptCleanup.unregister()
            socketFile?.remove()
        }
        writeStandardError("listening on \(try socket.localAddress())\n")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_535, alignment: 1)
        defer { buffer.deallocate() }
        let trace = ConnectionTrace(verbose: false, hex: hex)
        let (count, peer, _) = try await socket.receive(into: buffer)
        // Connected, the socket receives from this peer only (from before the first line is out).
        try await socket.connect(to: peer)
        try Self.printLine(UnsafeRawBufferPointer(rebasing: buffer[..<count]), trace: trace)
        Thread {
            while let line = readLine(strippingNewline: true) {
                do {
                    Array(line.utf8).withUnsafeBytes { trace.sent($0) }
                    try socket.sendAll(line.utf8)
                } catch {
                    Sock.report(error)
                }
            }
        }.start()
        while true {
            do {
                let count = try await socket.read(into: buffer)
                try Self.printLine(UnsafeRawBufferPointer(rebasing: buffer[..<count]), trace: trace)
            } catch let error as SocketError where error.kind == .connectionRefused {
                // A reply found no one at the peer's port (ICMP): it may come back.
                continue
            }
        }
    }

    /// Writes one datagram and a line break to stdout, showing it to `trace`.
    private static func printLine(_ datagram: UnsafeRawBufferPointer, trace: ConnectionTrace) throws {
        trace.received(datagram)
        try writeStandardOutput(datagram)
        try [UInt8(ascii: "\n")].withUnsafeBytes { try writeStandardOutput($0) }
    }
}
