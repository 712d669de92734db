import Foundation
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SocketTests {
    @Suite struct SocketLifecycleTests {
        @Test func init_CreatesACloseOnExecSocket_OfTheGivenKind() throws {
            let socket = try Socket()
            defer { socket.close() }
            #expect(socket.family == .inet)
            #expect(socket.type == .stream)
            #expect(socket.protocol == .default)
            #expect(socket.fileDescriptor >= 0)
            #expect(!socket.isClosed)
            #expect(isCloseOnExec(socket.fileDescriptor))
            #expect(socket.timeout == nil)
            #expect(socket.isBlocking)
            #expect(try socket.option(.type) == .stream)

            let udp = try Socket(.inet6, .datagram, protocol: .udp)
            defer { udp.close() }
            #expect(udp.family == .inet6)
            #expect(udp.type == .datagram)
            #expect(udp.protocol == .udp)
        }

        @Test func init_Throws_ForAnUnsupportedCombination() {
            let error = expectSocketError(.other) { _ = try Socket(.inet, .seqpacket) }
            #expect(error?.operation == "socket")
            #expect(error?.errno != nil)
        }

        @Test func description_ShowsDescriptorKindAndAddresses() throws {
            let (client, server) = try tcpPair()
            defer {
                client.close()
                server.close()
            }
            let local = try client.localAddress()
            let peer = try client.peerAddress()
            #expect(client.description == "Socket(fd \(client.fileDescriptor), inet stream, \(local) -> \(peer))")
            client.close()
            #expect(client.description == "Socket(closed, inet stream)")
        }

        @Test func close_MakesEveryCallThrowClosed() throws {
            let socket = try Socket(.inet, .stream)
            let datagram = try Socket(.inet, .datagram)
            socket.close()
            datagram.close()
            #expect(socket.isClosed)
            #expect(socket.fileDescriptor == -1)
            socket.close()  // a second close does nothing
            #expect(socket.fileDescriptor == -1)

            let address = SocketAddress.ipv4(.loopback, port: 9)
            var buffer = [UInt8](repeating: 0, count: 16)
            buffer.withUnsafeMutableBytes { raw in
                expectSocketError(.closed) { try socket.bind(to: address) }
                expectSocketError(.closed) { try socket.listen() }
                expectSocketError(.closed) { _ = try socket.accept() }
                expectSocketError(.closed) { _ = try socket.tryAccept() }
                expectSocketError(.closed) { try socket.connect(to: address) }
                #expect(socket.connectEx(to: address)?.kind == .closed)
                expectSocketError(.closed) { _ = try socket.startConnect(to: address) }
                expectSocketError(.closed) { _ = try socket.pendingError() }
                expectSocketError(.closed) { try socket.shutdown(.both) }
                expectSocketError(.closed) { _ = try socket.localAddress() }
                expectSocketError(.closed) { _ = try socket.peerAddress() }
                expectSocketError(.closed) { _ = try socket.recv(16) }
                expectSocketError(.closed) { _ = try socket.recv(into: raw) }
                expectSocketError(.closed) { _ = try socket.tryRecv(into: raw) }
                expectSocketError(.closed) { _ = try socket.recvMsg(16, controlCapacity: 64) }
                expectSocketError(.closed) { try socket.send(bytes("x")) }
                expectSocketError(.closed) { try socket.send(UnsafeRawBufferPointer(raw)) }
                expectSocketError(.closed) { _ = try socket.trySend(UnsafeRawBufferPointer(raw)) }
                expectSocketError(.closed) { try socket.sendAll(bytes("x")) }
                expectSocketError(.closed) { try socket.sendMsg([bytes("x")]) }
                expectSocketError(.closed) { try socket.setOption(.noDelay, true) }
                expectSocketError(.closed) { _ = try socket.option(.noDelay) }
                expectSocketError(.closed) { try socket.setOption(level: SOL_SOCKET, name: SO_KEEPALIVE, value: 1) }
                expectSocketError(.closed) { try socket.setOption(level: SOL_SOCKET, name: SO_KEEPALIVE, bytes: [1, 0, 0, 0]) }
                expectSocketError(.closed) { _ = try socket.option(level: SOL_SOCKET, name: SO_KEEPALIVE) }
                expectSocketError(.closed) { _ = try socket.option(level: SOL_SOCKET, name: SO_KEEPALIVE, maximumLength: 4) }
                expectSocketError(.closed) { _ = try socket.detach() }

                expectSocketError(.closed) { _ = try datagram.recvFrom(16) }
                expectSocketError(.closed) { _ = try datagram.recvFrom(into: raw) }
                expectSocketError(.closed) { _ = try datagram.tryRecvFrom(into: raw) }
                expectSocketError(.closed) { try datagram.sendTo(bytes("x"), address) }
                expectSocketError(.closed) { try datagram.sendTo(UnsafeRawBufferPointer(raw), address) }
                expectSocketError(.closed) { _ = try datagram.trySendTo(UnsafeRawBufferPointer(raw), address) }
                expectSocketError(.closed) { try datagram.sendMsg([bytes("x")], to: address) }
                expectSocketError(.closed) { try datagram.joinMulticastGroup(IPv4Address(239, 1, 2, 3)) }
                expectSocketError(.closed) { try datagram.leaveMulticastGroup(IPv4Address(239, 1, 2, 3)) }
                expectSocketError(.closed) { try datagram.joinMulticastGroup(IPv6Address("ff01::1")!) }
                expectSocketError(.closed) { try datagram.leaveMulticastGroup(IPv6Address("ff01::1")!) }
            }
            #expect(socket.description == "Socket(closed, inet stream)")
        }

        @Test func close_ReleasesTheDescriptor() throws {
            let socket = try Socket()
            let fd = socket.fileDescriptor
            #expect(isOpen(fd))
            socket.close()
            #expect(!isOpen(fd))
        }

        @Test func deinit_ClosesTheDescriptor() throws {
            let baseline = openDescriptorCount()
            var fd: Int32 = -1
            do {
                let socket = try Socket()
                fd = socket.fileDescriptor
                #expect(openDescriptorCount() == baseline + 1)
            }
            #expect(!isOpen(fd))
            #expect(openDescriptorCount() == baseline)
        }

        @Test func close_WakesARecvBlockedInAnotherThread() throws {
            let (a, b) = try unixPair()
            defer { b.close() }
            a.timeout = testTimeout
            let reader = BackgroundThread { () -> (Duration, SocketError?) in
                measure { _ = try a.recv(16) }
            }
            try reader.waitUntilBlockedInPoll()
            let fd = a.fileDescriptor
            a.close()
            let (elapsed, error) = try reader.join()
            #expect(error?.kind == .closed)
            #expect(error?.operation == "recv")
            #expect(elapsed < .seconds(5), "woken by close, not by the \(testTimeout) timeout")
            #expect(!isOpen(fd), "the descriptor is released once the woken call returns")
            #expect(a.fileDescriptor == -1)
        }

        @Test func close_WakesAnAcceptBlockedInAnotherThread() throws {
            let baseline = openDescriptorCount()
            let listener = try makeListener()
            let acceptor = BackgroundThread { () -> (Duration, SocketError?) in
                measure { _ = try listener.accept() }
            }
            try acceptor.waitUntilBlockedInPoll()
            listener.close()
            let (elapsed, error) = try acceptor.join()
            #expect(error?.kind == .closed)
            #expect(error?.operation == "accept")
            #expect(elapsed < .seconds(5))
            #expect(openDescriptorCount() == baseline, "the descriptor is released once the woken call returns")
        }

        @Test func close_WakesASendBlockedOnAFullBuffer() throws {
            let (a, b) = try unixPair()
            defer { b.close() }
            a.timeout = testTimeout
            let block = [UInt8](repeating: 7, count: 1 << 20)
            let writer = BackgroundThread { () -> (Duration, SocketError?) in
                measure { try a.sendAll(block) }
            }
            try writer.waitUntilBlockedInPoll()
            a.close()
            let (elapsed, error) = try writer.join()
            #expect(error?.kind == .closed)
            #expect(elapsed < .seconds(5))
        }

        @Test func close_WakesAConnectWaitingForTheHandshake() throws {
            // With backlog 0 the kernel queues one connection and drops the SYNs of the next.
            let listener = try makeListener(backlog: 0)
            defer { listener.close() }
            let queued = try Socket.connect(to: [try listener.localAddress()], timeout: testTimeout)
            defer { queued.close() }
            let client = try Socket()
            client.timeout = testTimeout
            let address = try listener.localAddress()
            let connecting = BackgroundThread { measure { try client.connect(to: address) } }
            try connecting.waitUntilBlockedInPoll()
            client.close()
            let (elapsed, error) = try connecting.join()
            #expect(error?.kind == .closed, "\(String(describing: error))")
            #expect(elapsed < .seconds(5))
        }

        @Test func detach_Throws_WhileAnotherThreadUsesTheSocket() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            b.timeout = testTimeout
            let reader = BackgroundThread { try b.recv(16) }
            try reader.waitUntilBlockedInPoll()
            let error = expectSocketError(.invalidArgument) { _ = try b.detach() }
            #expect(error?.description == "detach: socket is in use by another call")
            #expect(!b.isClosed)
            try a.send(bytes("done"))
            #expect(try reader.join() == bytes("done"))
        }

        @Test func detach_ReturnsAUsableDescriptor_AndLeavesTheSocketClosed() throws {
            let (client, server) = try tcpPair()
            defer { server.close() }
            let peer = try client.peerAddress()
            client.timeout = nil
            let fd = try client.detach()
            #expect(client.isClosed)
            #expect(client.fileDescriptor == -1)
            #expect(isOpen(fd), "detach must not close the descriptor")
            #expect(!isNonBlocking(fd), "a blocking socket's descriptor is handed back in blocking mode")
            expectSocketError(.closed) { _ = try client.detach() }
            expectSocketError(.closed) { try client.send(bytes("x")) }
            client.close()  // closing the detached socket must not close the descriptor
            #expect(isOpen(fd))

            let adopted = try Socket(adopting: fd)
            defer { adopted.close() }
            adopted.timeout = testTimeout
            #expect(adopted.fileDescriptor == fd)
            #expect(adopted.family == .inet)
            #expect(adopted.type == .stream)
            #expect(adopted.protocol == .tcp)
            #expect(try adopted.peerAddress() == peer)
            try adopted.sendAll(bytes("ping"))
            #expect(try server.recv(16) == bytes("ping"))
            try server.sendAll(bytes("pong"))
            #expect(try adopted.recv(16) == bytes("pong"))
        }

        @Test(arguments: [Duration.zero, .seconds(1)])
        func detach_LeavesTheDescriptorNonBlocking_WhenTheSocketHasATimeout(timeout: Duration) throws {
            let socket = try Socket(.inet, .datagram)
            socket.timeout = timeout
            let fd = try socket.detach()
            defer { Glibc.close(fd) }
            #expect(isNonBlocking(fd), "like Python, only a socket without timeout is handed back blocking")
        }

        @Test func initAdopting_ReadsFamilyTypeAndProtocol_FromTheDescriptor() throws {
            let fd = Glibc.socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
            try #require(fd >= 0)
            let socket = try Socket(adopting: fd)
            defer { socket.close() }
            #expect(socket.family == .inet6)
            #expect(socket.type == .datagram)
            #expect(socket.protocol == .udp)
            #expect(socket.isBlocking)
            #expect(isNonBlocking(fd), "the descriptor is non-blocking internally")
            socket.close()
            #expect(!isOpen(fd), "an adopted descriptor is owned and closed by the socket")
        }

        @Test func initAdopting_Throws_AndLeavesTheDescriptorOpen_WhenItIsNotASocket() throws {
            var fds: [Int32] = [-1, -1]
            try #require(pipe(&fds) == 0)
            defer {
                Glibc.close(fds[0])
                Glibc.close(fds[1])
            }
            let error = expectSocketError(.other) { _ = try Socket(adopting: fds[0]) }
            #expect(error?.operation == "getsockopt")
            #expect(error?.errnoName == "ENOTSOCK")
            #expect(isOpen(fds[0]))
        }

        @Test func descriptors_ReturnToBaseline_AfterManySocketsOfEveryKind() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let baseline = openDescriptorCount()
            for round in 0..<20 {
                var sockets: [Socket] = []
                let (client, server) = try tcpPair(.inet)
                sockets += [client, server]
                let (client6, server6) = try tcpPair(.inet6)
                sockets += [client6, server6]
                let (a, b) = try unixPair(.seqpacket)
                sockets += [a, b]
                let udp = try Socket.bindDatagram(to: "127.0.0.1:0")
                sockets.append(udp)
                let unixListener = try Socket.listen(on: "unix:" + directory.file("s\(round).sock"))
                unixListener.timeout = testTimeout
                let unixClient = try Socket.connect(to: "unix:" + directory.file("s\(round).sock"), timeout: testTimeout)
                let (unixServer, _) = try unixListener.accept()
                sockets += [unixListener, unixClient, unixServer]
                #expect(openDescriptorCount() == baseline + sockets.count)
                for socket in sockets { socket.close() }
                #expect(openDescriptorCount() == baseline)
            }
            // Failed connections (refused on every address) must not leak their sockets either.
            let closed = try ClosedPort()
            defer { closed.close() }
            let port = closed.port
            for _ in 0..<20 {
                expectSocketError(.connectionRefused) {
                    _ = try Socket.connect(to: [.ipv4(.loopback, port: port), .ipv4(.loopback, port: port)])
                }
            }
            #expect(openDescriptorCount() == baseline + 1, "only the closed port's own socket is left open")
        }
    }
}
