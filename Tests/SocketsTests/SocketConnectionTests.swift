import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SocketTests {
    @Suite struct SocketConnectionTests {
        // MARK: bind, listen, accept, connect

        @Test(arguments: [SocketFamily.inet, .inet6])
        func acceptAndConnect_AgreeOnBothAddresses_OverTCP(family: SocketFamily) throws {
            try requireLoopback(family)
            let listener = try Socket(family, .stream)
            defer { listener.close() }
            listener.timeout = testTimeout
            try listener.bind(to: loopback(family))
            #expect(try listener.option(.acceptsConnections) == false)
            try listener.listen(backlog: 4)
            #expect(try listener.option(.acceptsConnections) == true)
            let address = try listener.localAddress()
            #expect(address.family == family)
            #expect(address.host == loopback(family).host)
            #expect(address.port != 0)

            let client = try Socket(family, .stream)
            defer { client.close() }
            client.timeout = testTimeout
            try client.connect(to: address)
            let (server, peer) = try listener.accept()
            defer { server.close() }
            #expect(peer == (try client.localAddress()))
            #expect(try client.peerAddress() == address)
            #expect(try server.peerAddress() == peer)
            #expect(try server.localAddress() == address)
            #expect(server.family == family)
            #expect(server.type == .stream)
            #expect(server.isBlocking, "accepted sockets start in blocking mode")
            #expect(server.timeout == nil)
            #expect(isCloseOnExec(server.fileDescriptor))

            try client.sendAll(bytes("hello"))
            server.timeout = testTimeout
            #expect(try server.recv(16) == bytes("hello"))
        }

        @Test func acceptAndConnect_Work_OverAUnixPath() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let path = directory.file("server.sock")
            let listener = try Socket(.unix, .stream)
            defer { listener.close() }
            listener.timeout = testTimeout
            try listener.bind(to: .unix(path: path))
            try listener.listen()
            let client = try Socket(.unix, .stream)
            defer { client.close() }
            client.timeout = testTimeout
            try client.connect(to: .unix(path: path))
            let (server, peer) = try listener.accept()
            defer { server.close() }
            server.timeout = testTimeout
            #expect(peer == .unix(path: ""), "an unbound client is unnamed")
            #expect(try client.peerAddress() == .unix(path: path))
            #expect(try server.localAddress() == .unix(path: path))
            try client.sendAll(bytes("over unix"))
            #expect(try server.recv(64) == bytes("over unix"))
        }

        @Test func acceptAndConnect_Work_OverAnAbstractName() throws {
            let name = uniqueAbstractName("stream")
            let listener = try Socket(.unix, .stream)
            defer { listener.close() }
            listener.timeout = testTimeout
            try listener.bind(to: .unixAbstract(name: name))
            try listener.listen()
            #expect(try listener.localAddress() == .unixAbstract(name: name))
            let client = try Socket.connect(to: "unix:@" + text(name), timeout: testTimeout)
            defer { client.close() }
            let (server, _) = try listener.accept()
            defer { server.close() }
            server.timeout = testTimeout
            #expect(try client.peerAddress() == .unixAbstract(name: name))
            try client.sendAll(bytes("abstract"))
            #expect(try server.recv(64) == bytes("abstract"))
        }

        @Test func seqpacket_KeepsMessageBoundaries_OverAUnixPath() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let address = SocketAddress.unix(path: directory.file("seq.sock"))
            let listener = try Socket(.unix, .seqpacket)
            defer { listener.close() }
            listener.timeout = testTimeout
            try listener.bind(to: address)
            try listener.listen()
            let client = try Socket(.unix, .seqpacket)
            defer { client.close() }
            try client.connect(to: address)
            let (server, _) = try listener.accept()
            defer { server.close() }
            server.timeout = testTimeout
            #expect(server.type == .seqpacket)
            try client.send(bytes("one"))
            try client.send(bytes("two!"))
            try client.send([UInt8]())
            #expect(try server.recv(64) == bytes("one"))
            #expect(try server.recv(64) == bytes("two!"))
            client.close()
            #expect(try server.recv(64) == [], "after the peer closes: end of stream")
        }

        @Test(arguments: [SocketType.stream, .datagram, .seqpacket])
        func pair_ReturnsTwoConnectedUnixSockets(type: SocketType) throws {
            let (a, b) = try Socket.pair(.unix, type)
            defer {
                a.close()
                b.close()
            }
            a.timeout = testTimeout
            b.timeout = testTimeout
            #expect(a.family == .unix && b.family == .unix)
            #expect(a.type == type && b.type == type)
            #expect(try a.option(.type) == type)
            #expect(isCloseOnExec(a.fileDescriptor) && isCloseOnExec(b.fileDescriptor))
            try a.sendAll(bytes("ab"))
            #expect(try b.recv(8) == bytes("ab"))
            try b.sendAll(bytes("cd"))
            #expect(try a.recv(8) == bytes("cd"))
        }

        @Test func pair_Throws_ForAFamilyWithoutPairs() {
            let error = expectSocketError(.other) { _ = try Socket.pair(.inet, .stream) }
            #expect(error?.operation == "socketpair")
        }

        // MARK: failures

        @Test func connect_ThrowsConnectionRefused_WithTheExactMessage() throws {
            let closed = try ClosedPort()
            defer { closed.close() }
            let port = closed.port
            let socket = try Socket()
            defer { socket.close() }
            socket.timeout = testTimeout
            let error = expectSocketError(.connectionRefused) { try socket.connect(to: .ipv4(.loopback, port: port)) }
            #expect(error?.description == "connect 127.0.0.1:\(port): connection refused")
            #expect(error?.operation == "connect")
            #expect(error?.address == .ipv4(.loopback, port: port))
            #expect(error?.errnoName == "ECONNREFUSED")
            #expect(error?.errno == .connectionRefused)
        }

        @Test func connect_ThrowsConnectionRefused_OverIPv6() throws {
            try requireLoopback(.inet6)
            let closed = try ClosedPort(ipv6: true)
            defer { closed.close() }
            let port = closed.port
            let socket = try Socket(.inet6, .stream)
            defer { socket.close() }
            socket.timeout = testTimeout
            let error = expectSocketError(.connectionRefused) { try socket.connect(to: .ipv6(.loopback, port: port)) }
            #expect(error?.description == "connect [::1]:\(port): connection refused")
        }

        @Test func connect_ThrowsConnectionRefused_InBlockingModeWithoutTimeout() throws {
            let closed = try ClosedPort()
            defer { closed.close() }
            let port = closed.port
            let socket = try Socket()
            defer { socket.close() }
            let connecting = BackgroundThread { measure { try socket.connect(to: .ipv4(.loopback, port: port)) } }
            let (_, error) = try connecting.join()
            #expect(error?.kind == .connectionRefused)
        }

        @Test func connect_Throws_WhenTheUnixPathDoesNotExist() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let socket = try Socket(.unix, .stream)
            defer { socket.close() }
            let path = directory.file("nobody.sock")
            let error = expectSocketError(.other) { try socket.connect(to: .unix(path: path)) }
            #expect(error?.errnoName == "ENOENT")
            #expect(error?.description == "connect unix:\(path): no such file or directory")
        }

        @Test func connect_TimesOut_WhenTheListenQueueIsFull() throws {
            // With backlog 0 the kernel queues one connection and drops the SYNs of the next.
            let listener = try makeListener(backlog: 0)
            defer { listener.close() }
            let address = try listener.localAddress()
            var clients: [Socket] = []
            defer { for client in clients { client.close() } }
            var timedOut: SocketError?
            for _ in 0..<8 {
                let client = try Socket()
                clients.append(client)
                client.timeout = .milliseconds(200)
                let (elapsed, error) = measure { try client.connect(to: address) }
                if let error {
                    #expect(error.kind == .timedOut, "\(error)")
                    #expect(elapsed >= .milliseconds(200))
                    timedOut = error
                    break
                }
            }
            #expect(timedOut?.description == "connect \(address): timed out")
        }

        /// A Unix listener with backlog 0 and one connection queued: the next connect finds the queue full.
        static func fullUnixListener(_ directory: TemporaryDirectory) throws -> (
            listener: Socket, queued: Socket, address: SocketAddress
        ) {
            let address = SocketAddress.unix(path: directory.file("full.sock"))
            let listener = try Socket.listen(on: address, backlog: 0)
            listener.timeout = testTimeout
            let queued = try Socket(.unix, .stream)
            try queued.connect(to: address)
            return (listener, queued, address)
        }

        @Test func connect_TimesOut_WhenAUnixListenersQueueIsFull() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let (listener, queued, address) = try Self.fullUnixListener(directory)
            defer {
                listener.close()
                queued.close()
            }
            let client = try Socket(.unix, .stream)
            defer { client.close() }
            client.timeout = .milliseconds(100)
            let (elapsed, error) = measure { try client.connect(to: address) }
            #expect(error?.kind == .timedOut, "not connected: \(String(describing: error))")
            #expect(elapsed >= .milliseconds(100))
            client.setBlocking(false)
            expectSocketError(.wouldBlock) { try client.connect(to: address) }
            expectSocketError(.other) { _ = try client.peerAddress() }
        }

        @Test func connect_GetsThrough_OnceAUnixListenersQueueHasRoom() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let (listener, queued, address) = try Self.fullUnixListener(directory)
            defer {
                listener.close()
                queued.close()
            }
            let client = try Socket(.unix, .stream)
            defer { client.close() }
            client.timeout = testTimeout
            let connecting = BackgroundThread { try client.connect(to: address) }
            try connecting.waitUntilBlockedInPoll()
            let (first, _) = try listener.accept()
            defer { first.close() }
            try connecting.join()
            #expect(try client.peerAddress() == address)
            let (second, _) = try listener.accept()
            defer { second.close() }
            try client.sendAll(bytes("made it"))
            second.timeout = testTimeout
            #expect(try second.recv(16) == bytes("made it"))
        }

        @Test func close_EndsAConnectWaitingForRoomInAUnixListenersQueue() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let (listener, queued, address) = try Self.fullUnixListener(directory)
            defer {
                listener.close()
                queued.close()
            }
            let client = try Socket(.unix, .stream)
            client.timeout = testTimeout
            let connecting = BackgroundThread { measure { try client.connect(to: address) } }
            try connecting.waitUntilBlockedInPoll()
            client.close()
            let (elapsed, error) = try connecting.join()
            #expect(error?.kind == .closed)
            #expect(elapsed < .seconds(5))
        }

        @Test func startConnect_Throws_WhenAUnixListenersQueueIsFull() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let (listener, queued, address) = try Self.fullUnixListener(directory)
            defer {
                listener.close()
                queued.close()
            }
            let client = try Socket(.unix, .stream)
            defer { client.close() }
            // No event announces room in the queue, so this is not "in progress": try again later.
            let error = expectSocketError(.wouldBlock) { _ = try client.startConnect(to: address) }
            #expect(error?.errnoName == "EAGAIN")
        }

        @Test func connectEx_ReturnsTheErrorInsteadOfThrowing() throws {
            let closed = try ClosedPort()
            defer { closed.close() }
            let port = closed.port
            let socket = try Socket()
            defer { socket.close() }
            socket.timeout = testTimeout
            let error = socket.connectEx(to: .ipv4(.loopback, port: port))
            #expect(error?.kind == .connectionRefused)
            #expect(error?.description == "connect 127.0.0.1:\(port): connection refused")

            let listener = try makeListener()
            defer { listener.close() }
            let other = try Socket()
            defer { other.close() }
            other.timeout = testTimeout
            #expect(other.connectEx(to: try listener.localAddress()) == nil)
            #expect(try other.peerAddress() == listener.localAddress())
        }

        @Test func startConnect_CompletesInTheBackground_AndPendingErrorIsNil() throws {
            let listener = try makeListener()
            defer { listener.close() }
            let socket = try Socket()
            defer { socket.close() }
            let address = try listener.localAddress()
            if case .wouldBlock = try socket.startConnect(to: address) {
                try waitWritable(socket)
            }
            #expect(try socket.pendingError() == nil)
            #expect(try socket.peerAddress() == address)
            let (server, _) = try listener.accept()
            server.close()
        }

        /// On Linux a non-blocking connect over loopback always answers `EINPROGRESS`: the
        /// peer's reset is queued on the socket, which connect holds locked, and handled only
        /// once the call returns. So the refusal is always left in `SO_ERROR`.
        @Test func startConnect_ReportsRefusal_ThroughPendingErrorOnce() throws {
            let closed = try ClosedPort()
            defer { closed.close() }
            let port = closed.port
            let socket = try Socket()
            defer { socket.close() }
            guard case .wouldBlock = try socket.startConnect(to: .ipv4(.loopback, port: port)) else {
                Issue.record("connected at once to a port nobody listens on")
                return
            }
            try waitWritable(socket)
            #expect(try socket.pendingError() == .connectionRefused)
            #expect(try socket.pendingError() == nil, "reading SO_ERROR clears it")
            #expect(try socket.option(.error) == nil)
        }

        @Test func startConnect_Throws_ForAnImpossibleAddress() throws {
            let socket = try Socket(.inet, .stream)
            defer { socket.close() }
            let error = expectSocketError(.invalidArgument) { _ = try socket.startConnect(to: .unix(path: "/tmp/x")) }
            #expect(error?.errnoName == "EINVAL")
            #expect(socket.connectEx(to: .unix(path: "/tmp/x"))?.kind == .invalidArgument)
        }

        @Test func bind_ThrowsAddressInUse_ForASecondListenerWithoutReusePort() throws {
            let first = try Socket.listen(on: "127.0.0.1:0")
            defer { first.close() }
            let address = try first.localAddress()
            let error = expectSocketError(.addressInUse) { _ = try Socket.listen(on: address) }
            #expect(error?.description == "bind \(address): address already in use")
            #expect(error?.errnoName == "EADDRINUSE")

            let plain = try Socket()
            defer { plain.close() }
            expectSocketError(.addressInUse) { try plain.bind(to: address) }
        }

        @Test func bind_Succeeds_ForTwoListenersWithReusePort() throws {
            let first = try Socket.listen(on: "127.0.0.1:0", reusePort: true)
            defer { first.close() }
            let address = try first.localAddress()
            let second = try Socket.listen(on: address, reusePort: true)
            defer { second.close() }
            #expect(try first.option(.reusePort))
            #expect(try second.option(.reusePort))
            #expect(try second.localAddress() == address)

            // The kernel hands each connection to one of them.
            let client = try Socket.connect(to: "\(address)", timeout: testTimeout)
            defer { client.close() }
            let accepted = try acceptFromEither(first, second)
            #expect(try accepted.peerAddress() == client.localAddress())
            accepted.close()
        }

        @Test func bind_ThrowsAddressNotAvailable_ForAForeignAddress() throws {
            let socket = try Socket()
            defer { socket.close() }
            // 203.0.113.0/24 (TEST-NET-3) is for documentation only, never a local address.
            let error = expectSocketError(.addressNotAvailable) {
                try socket.bind(to: .ipv4(IPv4Address(203, 0, 113, 7), port: 0))
            }
            #expect(error?.errnoName == "EADDRNOTAVAIL")
        }

        @Test func acceptAndListen_Throw_OnSocketsThatCannotListen() throws {
            let unbound = try Socket()
            defer { unbound.close() }
            unbound.timeout = testTimeout
            expectSocketError(.invalidArgument) { _ = try unbound.tryAccept() }
            expectSocketError(.invalidArgument) { _ = try unbound.accept() }
            let udp = try Socket(.inet, .datagram)
            defer { udp.close() }
            let error = expectSocketError(.other) { try udp.listen() }
            #expect(error?.errnoName == "EOPNOTSUPP")
            #expect(error?.operation == "listen")
        }

        @Test func peerAddress_Throws_WhenNotConnected() throws {
            let socket = try Socket()
            defer { socket.close() }
            let error = expectSocketError(.other) { _ = try socket.peerAddress() }
            #expect(error?.errnoName == "ENOTCONN")
            #expect(error?.operation == "getpeername")
        }

        // MARK: shutdown, half-close and resets

        @Test(arguments: [SocketFamily.inet, .inet6, .unix])
        func shutdownWrite_IsAHalfClose_ThePeerReadsEndOfStreamAndCanStillReply(family: SocketFamily) throws {
            try requireLoopback(family)
            let (client, server) = try streamPair(family)
            defer {
                client.close()
                server.close()
            }
            try client.sendAll(bytes("request"))
            try client.shutdown(.write)
            #expect(try server.recv(64) == bytes("request"))
            #expect(try server.recv(64) == [], "end of stream after the half-close")
            try server.sendAll(bytes("late reply"))
            #expect(try client.recv(64) == bytes("late reply"))
            server.close()
            #expect(try client.recv(64) == [])
        }

        @Test func shutdownWrite_MakesOurOwnSendThrowConnectionReset() throws {
            let (client, server) = try tcpPair()
            defer {
                client.close()
                server.close()
            }
            try client.shutdown(.write)
            let error = expectSocketError(.connectionReset) { try client.send(bytes("x")) }
            #expect(error?.errnoName == "EPIPE")
        }

        @Test func shutdownRead_MakesRecvReturnEndOfStream() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            try a.shutdown(.read)
            #expect(try a.recv(16) == [])
        }

        @Test func shutdownBoth_EndsBothDirections() throws {
            let (client, server) = try tcpPair()
            defer {
                client.close()
                server.close()
            }
            try client.shutdown(.both)
            #expect(try server.recv(16) == [])
            #expect(try client.recv(16) == [])
            expectSocketError(.connectionReset) { try client.send(bytes("x")) }
        }

        @Test func shutdown_Throws_WhenNotConnected() throws {
            let socket = try Socket()
            defer { socket.close() }
            let error = expectSocketError(.other) { try socket.shutdown(.write) }
            #expect(error?.errnoName == "ENOTCONN")
            #expect(error?.description == "shutdown: transport endpoint is not connected")
        }

        @Test(arguments: [SocketFamily.inet, .inet6])
        func recv_ThrowsConnectionReset_WhenThePeerResets(family: SocketFamily) throws {
            try requireLoopback(family)
            let (client, server) = try tcpPair(family)
            defer { client.close() }
            try server.setOption(.linger, .zero)
            #expect(try server.option(.linger) == .zero)
            server.close()  // with linger 0: an RST instead of a FIN
            let error = expectSocketError(.connectionReset) { _ = try client.recv(16) }
            #expect(error?.errnoName == "ECONNRESET")
            #expect(error?.operation == "recv")
        }

        @Test func send_ThrowsConnectionReset_AfterThePeerClosed_WithoutSIGPIPE() throws {
            let (client, server) = try tcpPair()
            defer { client.close() }
            server.close()
            #expect(try client.recv(16) == [], "the FIN arrives first")
            try client.send(bytes("x"))  // accepted locally; the closed peer answers with an RST
            try waitForErrorOrHangUp(client)
            // Without MSG_NOSIGNAL this would kill the test process with SIGPIPE.
            let error = expectSocketError(.connectionReset) { try client.send(bytes("y")) }
            #expect(["EPIPE", "ECONNRESET"].contains(error?.errnoName))
            expectSocketError(.connectionReset) { try client.sendAll([UInt8](repeating: 1, count: 100_000)) }
            expectSocketError(.connectionReset) { try client.sendMsg([bytes("z")]) }
        }

        @Test func send_ThrowsConnectionReset_AfterAUnixPeerClosed() throws {
            let (a, b) = try unixPair()
            defer { a.close() }
            b.close()
            let error = expectSocketError(.connectionReset) { try a.send(bytes("x")) }
            #expect(error?.errnoName == "EPIPE")
            #expect(error?.description == "send: broken pipe")
        }

        // MARK: factories

        @Test func connectToString_TriesEveryResolvedAddress() throws {
            let listener = try Socket.listen(on: "127.0.0.1:0")
            defer { listener.close() }
            listener.timeout = testTimeout
            let port = try #require(try listener.localAddress().port)
            for text in ["127.0.0.1:\(port)", "localhost:\(port)"] {
                let client = try Socket.connect(to: text, timeout: .seconds(3))
                #expect(client.timeout == .seconds(3), "the timeout stays set")
                #expect(try client.peerAddress() == .ipv4(.loopback, port: port))
                let (server, _) = try listener.accept()
                server.close()
                client.close()
            }
        }

        @Test func connectToString_WorksOverIPv6AndUnix() throws {
            try requireLoopback(.inet6)
            let listener6 = try Socket.listen(on: "[::1]:0")
            defer { listener6.close() }
            let client6 = try Socket.connect(to: "\(try listener6.localAddress())", timeout: testTimeout)
            defer { client6.close() }
            #expect(client6.family == .inet6)

            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let unixListener = try Socket.listen(on: "unix:" + directory.file("f.sock"))
            defer { unixListener.close() }
            #expect(try unixListener.option(.reuseAddress) == false, "no SO_REUSEADDR on unix sockets")
            let unixClient = try Socket.connect(to: "unix:" + directory.file("f.sock"), timeout: testTimeout)
            defer { unixClient.close() }
            #expect(unixClient.family == .unix)
        }

        @Test func connectToAddresses_FallsBackToTheNext_AndThrowsTheFirstError() throws {
            let listener = try makeListener()
            defer { listener.close() }
            let good = try listener.localAddress()
            let closed = (try ClosedPort(), try ClosedPort())
            defer {
                closed.0.close()
                closed.1.close()
            }
            let bad = SocketAddress.ipv4(.loopback, port: closed.0.port)
            let client = try Socket.connect(to: [bad, good], timeout: testTimeout)
            defer { client.close() }
            #expect(try client.peerAddress() == good)

            let other = SocketAddress.ipv4(.loopback, port: closed.1.port)
            let error = expectSocketError(.connectionRefused) { _ = try Socket.connect(to: [bad, other]) }
            #expect(error?.address == bad, "the first attempt's error")

            let none = expectSocketError(.nameResolution) { _ = try Socket.connect(to: [SocketAddress]()) }
            #expect(none?.description == "connect: no addresses to connect to")
            expectSocketError(.nameResolution) { _ = try Socket.connect(to: "nosuch.invalid:80") }
            expectSocketError(.invalidArgument) { _ = try Socket.connect(to: "127.0.0.1") }
        }

        @Test func connect_BindsTheSourceAddress_WhenGiven() throws {
            let listener = try makeListener()
            defer { listener.close() }
            let source = try Socket()
            try source.bind(to: .ipv4(.loopback, port: 0))
            let sourcePort = try #require(try source.localAddress().port)
            source.close()

            let client = try Socket.connect(
                to: [try listener.localAddress()], timeout: testTimeout,
                sourceAddress: .ipv4(.loopback, port: sourcePort))
            defer { client.close() }
            let (server, peer) = try listener.accept()
            defer { server.close() }
            #expect(peer == .ipv4(.loopback, port: sourcePort))
        }

        @Test func listen_SetsReuseAddressAndIPv6Only() throws {
            let listener = try Socket.listen(on: "localhost:0", backlog: 3)
            defer { listener.close() }
            #expect(try listener.option(.reuseAddress))
            #expect(try listener.option(.reusePort) == false)
            #expect(try listener.option(.acceptsConnections))
            #expect(try listener.localAddress().host == "127.0.0.1")

            try requireLoopback(.inet6)
            let listener6 = try Socket.listen(on: "[::1]:0")
            defer { listener6.close() }
            #expect(try listener6.option(.ipv6Only))
        }

        @Test func listen_AcceptsIPv4Clients_WhenDualStack() throws {
            try requireLoopback(.inet6)
            let mappedLoopback = try #require(IPv6Address("::ffff:127.0.0.1"))
            let listener = try Socket.listen(on: .ipv6(mappedLoopback, port: 0), dualStack: true)
            defer { listener.close() }
            listener.timeout = testTimeout
            #expect(try listener.option(.ipv6Only) == false)
            let port = try #require(try listener.localAddress().port)
            let client = try Socket.connect(to: "127.0.0.1:\(port)", timeout: testTimeout)
            defer { client.close() }
            let (server, peer) = try listener.accept()
            defer { server.close() }
            guard case .ipv6(let host, _, _, _) = peer else {
                Issue.record("an IPv6 listener reports IPv4 peers as mapped IPv6 addresses, got \(peer)")
                return
            }
            #expect(host.mappedIPv4 == .loopback)
        }

        @Test func listen_Throws_ForAMappedAddressWithoutDualStack() throws {
            try requireLoopback(.inet6)
            let mappedLoopback = try #require(IPv6Address("::ffff:127.0.0.1"))
            expectSocketError(.invalidArgument) { _ = try Socket.listen(on: .ipv6(mappedLoopback, port: 0)) }
        }

        @Test func bindDatagram_CreatesABoundDatagramSocket() throws {
            let udp = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { udp.close() }
            #expect(udp.type == .datagram)
            #expect(udp.family == .inet)
            #expect(try udp.localAddress().port != 0)
            #expect(try udp.option(.reuseAddress) == false)

            let reusing = try Socket.bindDatagram(to: "localhost:0", reuseAddress: true)
            defer { reusing.close() }
            #expect(try reusing.option(.reuseAddress))

            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let unix = try Socket.bindDatagram(to: "unix:" + directory.file("d.sock"))
            defer { unix.close() }
            #expect(unix.family == .unix)
            #expect(try unix.localAddress() == .unix(path: directory.file("d.sock")))

            expectSocketError(.nameResolution) { _ = try Socket.bindDatagram(to: "nosuch.invalid:0") }
        }
    }
}
