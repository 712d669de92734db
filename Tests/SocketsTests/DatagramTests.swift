import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SocketTests {
    @Suite struct DatagramTests {
        /// Two UDP sockets bound to the loopback of `family`.
        static func udpPair(_ family: SocketFamily) throws -> (Socket, Socket) {
            let a = try Socket(family, .datagram)
            let b = try Socket(family, .datagram)
            for socket in [a, b] {
                socket.timeout = testTimeout
                try socket.bind(to: loopback(family))
            }
            return (a, b)
        }

        @Test(arguments: [SocketFamily.inet, .inet6])
        func sendTo_DeliversADatagram_WithTheSendersAddress(family: SocketFamily) throws {
            try requireLoopback(family)
            let (a, b) = try Self.udpPair(family)
            defer {
                a.close()
                b.close()
            }
            #expect(try a.sendTo(bytes("ping"), b.localAddress()) == 4)
            let (data, sender) = try b.recvFrom(1024)
            #expect(data == bytes("ping"))
            #expect(sender == (try a.localAddress()))
            try b.sendTo(bytes("pong"), sender)
            let (reply, from) = try a.recvFrom(1024)
            #expect(reply == bytes("pong"))
            #expect(from == (try b.localAddress()))
        }

        @Test func datagrams_KeepTheirBoundaries_AndEmptyOnesArrive() throws {
            let (a, b) = try Self.udpPair(.inet)
            defer {
                a.close()
                b.close()
            }
            let target = try b.localAddress()
            try a.sendTo(bytes("one"), target)
            try a.sendTo([UInt8](), target)
            try a.sendTo(bytes("three"), target)
            #expect(try b.recvFrom(100).bytes == bytes("one"))
            #expect(try b.recvFrom(100).bytes == [], "an empty datagram, not end of stream")
            #expect(try b.recvFrom(100).bytes == bytes("three"))
        }

        @Test func recvFromInto_ReportsTruncation_WhenTheDatagramIsLargerThanTheBuffer() throws {
            let (a, b) = try Self.udpPair(.inet)
            defer {
                a.close()
                b.close()
            }
            let payload = (0..<100).map { UInt8($0) }
            try a.sendTo(payload, b.localAddress())
            try a.sendTo(bytes("next"), b.localAddress())
            var buffer = [UInt8](repeating: 0, count: 10)
            let first = try buffer.withUnsafeMutableBytes { try b.recvFrom(into: $0) }
            #expect(first.isTruncated)
            #expect(first.count == buffer.count)
            #expect(buffer == Array(payload.prefix(10)))
            #expect(first.address == (try a.localAddress()))
            let second = try buffer.withUnsafeMutableBytes { try b.recvFrom(into: $0) }
            #expect(!second.isTruncated, "the rest of the long datagram was discarded")
            #expect(second.count == 4)
            #expect(Array(buffer.prefix(4)) == bytes("next"))
        }

        @Test func recvFrom_CutsALongDatagram_ToMaxBytes() throws {
            let (a, b) = try Self.udpPair(.inet)
            defer {
                a.close()
                b.close()
            }
            try a.sendTo([UInt8](repeating: 5, count: 2000), b.localAddress())
            #expect(try b.recvFrom(1024).bytes == [UInt8](repeating: 5, count: 1024))
        }

        @Test func recvMsg_ReportsTruncationAndTheSender() throws {
            let (a, b) = try Self.udpPair(.inet)
            defer {
                a.close()
                b.close()
            }
            try a.sendTo(bytes("0123456789"), b.localAddress())
            let message = try b.recvMsg(4)
            #expect(message.bytes == bytes("0123"))
            #expect(message.isTruncated)
            #expect(message.flags.contains(.truncated))
            #expect(message.address == (try a.localAddress()))

            try a.sendTo(bytes("fits"), b.localAddress())
            let whole = try b.recvMsg(4)
            #expect(whole.bytes == bytes("fits"))
            #expect(!whole.isTruncated)
        }

        @Test func tryRecvFrom_ReturnsWouldBlock_ThenTheDatagram() throws {
            let (a, b) = try Self.udpPair(.inet)
            defer {
                a.close()
                b.close()
            }
            var buffer = [UInt8](repeating: 0, count: 3)
            guard case .wouldBlock = try buffer.withUnsafeMutableBytes({ try b.tryRecvFrom(into: $0) }) else {
                Issue.record("nothing was sent yet")
                return
            }
            try a.sendTo(bytes("hello"), b.localAddress())
            try waitReadable(b)
            guard case .completed(let result) = try buffer.withUnsafeMutableBytes({ try b.tryRecvFrom(into: $0) }) else {
                Issue.record("the datagram was readable")
                return
            }
            #expect(result.count == 3)
            #expect(result.isTruncated)
            #expect(result.address == (try a.localAddress()))
            #expect(buffer == bytes("hel"))
        }

        @Test func trySendTo_SendsWithoutWaiting() throws {
            let (a, b) = try Self.udpPair(.inet)
            defer {
                a.close()
                b.close()
            }
            let result = try bytes("quick").withUnsafeBytes { try a.trySendTo($0, b.localAddress()) }
            #expect(result == .completed(5))
            let raw = try bytes("raw").withUnsafeBytes { try a.sendTo($0, b.localAddress()) }
            #expect(raw == 3)
            #expect(try b.recvFrom(16).bytes == bytes("quick"))
            #expect(try b.recvFrom(16).bytes == bytes("raw"))
        }

        @Test func sendMsg_SendsOneDatagram_ToTheGivenAddress() throws {
            let (a, b) = try Self.udpPair(.inet)
            defer {
                a.close()
                b.close()
            }
            #expect(try a.sendMsg([bytes("gat"), bytes("her")], to: b.localAddress()) == 6)
            let (data, sender) = try b.recvFrom(100)
            #expect(data == bytes("gather"))
            #expect(sender == (try a.localAddress()))
        }

        @Test func connectedUDP_SendsAndReceives_OnlyWithItsPeer() throws {
            let (a, b) = try Self.udpPair(.inet)
            let stranger = try Socket(.inet, .datagram)
            defer {
                a.close()
                b.close()
                stranger.close()
            }
            try a.connect(to: b.localAddress())
            try b.connect(to: a.localAddress())
            #expect(try a.peerAddress() == b.localAddress())
            try stranger.sendTo(bytes("spam"), a.localAddress())
            try b.send(bytes("from b"))
            #expect(try a.recv(100) == bytes("from b"), "datagrams from other addresses are filtered")
            try a.send(bytes("from a"))
            #expect(try b.recv(100) == bytes("from a"))
        }

        @Test func connectedUDP_ThrowsConnectionRefused_WhenNobodyListens() throws {
            let socket = try Socket(.inet, .datagram)
            defer { socket.close() }
            socket.timeout = testTimeout
            let port = try closedUDPPort()
            try socket.connect(to: .ipv4(.loopback, port: port))
            try socket.send(bytes("anyone?"))
            // The ICMP port-unreachable turns into an error on the next call.
            let error = expectSocketError(.connectionRefused) { _ = try socket.recv(16) }
            #expect(error?.errnoName == "ECONNREFUSED")
        }

        @Test func sendTo_ThrowsForADatagramTooLargeForUDP() throws {
            let (a, b) = try Self.udpPair(.inet)
            defer {
                a.close()
                b.close()
            }
            let error = expectSocketError(.other) { try a.sendTo([UInt8](repeating: 0, count: 70_000), b.localAddress()) }
            #expect(error?.errnoName == "EMSGSIZE")
            #expect(error?.operation == "sendto")
            #expect(error?.address == (try b.localAddress()))
        }

        @Test func unixDatagrams_CarryThePathOfTheSender() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let server = try Socket.bindDatagram(to: "unix:" + directory.file("server.sock"))
            let client = try Socket.bindDatagram(to: "unix:" + directory.file("client.sock"))
            let anonymous = try Socket(.unix, .datagram)
            defer {
                server.close()
                client.close()
                anonymous.close()
            }
            server.timeout = testTimeout
            client.timeout = testTimeout
            try client.sendTo(bytes("hi"), .unix(path: directory.file("server.sock")))
            let (data, sender) = try server.recvFrom(64)
            #expect(data == bytes("hi"))
            #expect(sender == .unix(path: directory.file("client.sock")))
            try server.sendTo(bytes("HI"), sender)
            #expect(try client.recvFrom(64).bytes == bytes("HI"))

            try anonymous.sendTo(bytes("who?"), .unix(path: directory.file("server.sock")))
            #expect(try server.recvFrom(64).address == .unix(path: ""), "an unbound sender is unnamed")
        }

        @Test func unixDatagrams_WorkWithAbstractNames() throws {
            let serverName = uniqueAbstractName("dgram-server")
            let clientName = uniqueAbstractName("dgram-client")
            let server = try Socket(.unix, .datagram)
            let client = try Socket(.unix, .datagram)
            defer {
                server.close()
                client.close()
            }
            server.timeout = testTimeout
            try server.bind(to: .unixAbstract(name: serverName))
            try client.bind(to: .unixAbstract(name: clientName))
            try client.sendTo(bytes("abstract"), .unixAbstract(name: serverName))
            let (data, sender) = try server.recvFrom(64)
            #expect(data == bytes("abstract"))
            #expect(sender == .unixAbstract(name: clientName))
        }

        @Test func unixDatagram_SendTo_ThrowsConnectionRefused_WhenNobodyIsBound() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let path = directory.file("gone.sock")
            let gone = try Socket.bindDatagram(to: "unix:" + path)
            gone.close()  // the file stays, nobody reads it
            let socket = try Socket(.unix, .datagram)
            defer { socket.close() }
            let error = expectSocketError(.connectionRefused) { try socket.sendTo(bytes("x"), .unix(path: path)) }
            #expect(error?.description == "sendto unix:\(path): connection refused")
        }

        @Test(arguments: [SocketType.datagram, .seqpacket])
        func unixPairs_ReportTruncation(type: SocketType) throws {
            let (a, b) = try unixPair(type)
            defer {
                a.close()
                b.close()
            }
            try a.send(bytes("0123456789"))
            try a.send(bytes("abcdef"))
            var buffer = [UInt8](repeating: 0, count: 4)
            let result = try buffer.withUnsafeMutableBytes { try b.recvFrom(into: $0) }
            #expect(result.isTruncated)
            #expect(result.count == 4)
            #expect(buffer == bytes("0123"))
            let message = try b.recvMsg(3)
            #expect(message.isTruncated)
            #expect(message.bytes == bytes("abc"))
        }

        @Test func streamSockets_NeverReportTruncation() throws {
            let (a, b) = try unixPair(.stream)
            defer {
                a.close()
                b.close()
            }
            try a.send(bytes("0123456789"))
            var buffer = [UInt8](repeating: 0, count: 4)
            let result = try buffer.withUnsafeMutableBytes { try b.recvFrom(into: $0) }
            #expect(!result.isTruncated)
            #expect(result.count == 4)
        }
    }
}

/// A UDP port on 127.0.0.1 that nobody is bound to.
func closedUDPPort() throws -> UInt16 {
    let socket = try Socket(.inet, .datagram)
    defer { socket.close() }
    try socket.bind(to: .ipv4(.loopback, port: 0))
    return try #require(socket.localAddress().port)
}
