import Sockets

/// `upper --udp` (seeds 003/004): every datagram back upper-cased.
public func upperDatagram(_ datagram: Datagram, from socket: Socket) async throws {
    try await socket.send(UTF8Uppercaser.uppercase(datagram.bytes), to: datagram.address)
}
