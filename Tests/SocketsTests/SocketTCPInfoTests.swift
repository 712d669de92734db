import Sockets
import TestSupport
import Testing

extension SocketTests {
    /// `Socket.tcpInfo()`: `TCP_INFO` through a connection's life on the loopback.
    @Suite struct SocketTCPInfoTests {
        @Test func tcpInfo_ReportsAnEstablishedConnection_WithRoundTripTimeAndWindow() throws {
            let (client, server) = try tcpPair()
            defer {
                client.close()
                server.close()
            }
            // A round trip gives the kernel an RTT sample.
            try client.sendAll(Array("ping".utf8))
            #expect(try server.recv(4) == Array("ping".utf8))
            try server.sendAll(Array("pong".utf8))
            #expect(try client.recv(4) == Array("pong".utf8))

            let info = try client.tcpInfo()
            #expect(info.state == .established)
            #expect(info.state?.description == "ESTABLISHED")
            #expect(info.roundTripTime > .zero)
            #expect(info.roundTripTime < .seconds(1))
            #expect(info.congestionWindow > 0)
            #expect(info.maximumSegmentSize > 0)
            #expect(info.totalRetransmits == 0)
        }

        @Test func tcpInfo_FollowsTheTeardown_ThroughCloseWaitAndFinWait2() async throws {
            let (client, server) = try tcpPair()
            defer {
                client.close()
                server.close()
            }
            try client.shutdown(.write)
            #expect(try server.recv(16).isEmpty)

            #expect(try server.tcpInfo().state == .closeWait)
            // The client's side moves on when the server's ACK of its FIN has arrived.
            #expect(try await eventually { try client.tcpInfo().state == .finWait2 })
        }

        @Test func tcpInfo_Throws_ForASocketThatIsNotTCP() throws {
            let (first, second) = try Socket.pair()
            defer {
                first.close()
                second.close()
            }
            #expect(throws: SocketError.self) { try first.tcpInfo() }
        }
    }
}
