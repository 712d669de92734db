import Testing

@testable import Sockets

extension AsyncTests {
    /// `DatagramServer.echo` and `Socket.echoDatagrams`: every datagram back to its sender,
    /// received and sent in batches, by the reactor for the socket's owner.
    @Suite struct DatagramEchoTests {
        @Test func echoServer_RepliesToEveryDatagram_OfEachSender_EmptyOnesIncluded() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let harness = try DatagramServerHarness(echoServer: true)
            let first = try Socket.bindDatagram(to: "127.0.0.1:0")
            let second = try Socket.bindDatagram(to: "127.0.0.1:0")
            for round in 0..<20 {
                for (index, client) in [first, second].enumerated() {
                    let message = round == 10 ? [] : AsyncTest.bytes("client \(index) round \(round)")
                    let reply = try await harness.exchange(message, from: client)
                    #expect(reply.bytes == message)
                    #expect(reply.address == harness.address)
                }
            }
            first.close()
            second.close()
            try await harness.stop()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        /// More datagrams than one batch (32) at once, and datagrams near the largest size.
        @Test func echoServer_ReturnsABurst_InOrder() async throws {
            let harness = try DatagramServerHarness(echoServer: true)
            let client = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { client.close() }
            let burst = (0..<100).map { index in [UInt8](repeating: UInt8(index), count: 1 + index * 10) }
            for datagram in burst { _ = try client.sendTo(datagram, harness.address) }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 1)
            defer { buffer.deallocate() }
            for expected in burst {
                let (count, _, _) = try await client.receive(into: buffer, deadline: AsyncTest.deadline())
                #expect(Array(buffer[..<count]) == expected)
            }
            let large = [UInt8](repeating: 7, count: 60_000)
            #expect(try await harness.exchange(large, from: client).bytes == large)
            try await harness.stop()
        }

        @Test func echoServer_CutsLongDatagrams_ToTheMaximumSize() async throws {
            let harness = try DatagramServerHarness(maximumSize: 8, echoServer: true)
            let client = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { client.close() }
            let reply = try await harness.exchange(AsyncTest.bytes("0123456789abcdef"), from: client)
            #expect(reply.bytes == AsyncTest.bytes("01234567"))
            try await harness.stop()
        }

        @Test(arguments: [true, false])
        func echoDatagrams_Echoes_AndEndsWithClosed_WhenTheSocketIsClosed(byTheOwner: Bool) async throws {
            let server = try Socket.bindDatagram(to: "127.0.0.1:0")
            let address = try server.localAddress()
            let client = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { client.close() }
            let echoing = try await AsyncTest.startParked {
                if byTheOwner { server.claimOwnership() }
                try await server.echoDatagrams()
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
            defer { buffer.deallocate() }
            for index in 0..<5 {
                let message = AsyncTest.bytes("datagram \(index)")
                _ = try client.sendTo(message, address)
                let (count, sender, _) = try await client.receive(into: buffer, deadline: AsyncTest.deadline())
                #expect(Array(buffer[..<count]) == message)
                #expect(sender == address)
            }
            server.close()
            let error = try await AsyncTest.failure(of: echoing)
            #expect((error as? SocketError)?.kind == .closed, "\(error)")
        }
    }
}
