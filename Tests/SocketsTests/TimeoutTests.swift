import Sockets
import TestSupport
import Testing

extension SocketTests {
    @Suite struct TimeoutTests {
        static let shortTimeout: Duration = .milliseconds(50)

        @Test func timeout_IsNilAndBlocking_ByDefault_AndFollowsSetBlocking() throws {
            let socket = try Socket()
            defer { socket.close() }
            #expect(socket.timeout == nil)
            #expect(socket.isBlocking)
            socket.timeout = .milliseconds(50)
            #expect(socket.timeout == .milliseconds(50))
            #expect(socket.isBlocking, "a socket with a timeout still waits")
            socket.setBlocking(false)
            #expect(socket.timeout == .zero)
            #expect(!socket.isBlocking)
            socket.setBlocking(true)
            #expect(socket.timeout == nil)
            #expect(socket.isBlocking)
            socket.timeout = .nanoseconds(1)
            #expect(socket.timeout == .nanoseconds(1), "a tiny timeout is not rounded down to non-blocking")
            #expect(socket.isBlocking)
            socket.timeout = .seconds(Int64.max)
            #expect(socket.timeout! > .seconds(1_000_000_000), "a huge timeout saturates instead of overflowing")
        }

        @Test func timeout_Traps_WhenNegative() async {
            await #expect(processExitsWith: .failure) {
                let socket = try! Socket()
                socket.timeout = .seconds(-1)
            }
        }

        @Test func recv_Waits_WithTheLongestTimeout() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            b.timeout = .seconds(Int64.max)
            let reader = BackgroundThread { try b.recv(16) }
            try reader.waitUntilBlockedInPoll()
            try a.send(bytes("eventually"))
            #expect(try reader.join() == bytes("eventually"))
        }

        @Test func recv_ThrowsTimedOut_AfterTheTimeout() throws {
            let (client, server) = try tcpPair()
            defer {
                client.close()
                server.close()
            }
            server.timeout = Self.shortTimeout
            let (elapsed, error) = measure { _ = try server.recv(16) }
            #expect(error?.kind == .timedOut)
            #expect(error?.description == "recv: timed out")
            #expect(elapsed >= Self.shortTimeout)
        }

        @Test func recvFromAndRecvMsg_ThrowTimedOut_AfterTheTimeout() throws {
            let socket = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { socket.close() }
            socket.timeout = Self.shortTimeout
            let (elapsed, error) = measure { _ = try socket.recvFrom(16) }
            #expect(error?.kind == .timedOut)
            #expect(error?.operation == "recvfrom")
            #expect(elapsed >= Self.shortTimeout)
            let (elapsedMsg, errorMsg) = measure { _ = try socket.recvMsg(16) }
            #expect(errorMsg?.kind == .timedOut)
            #expect(errorMsg?.operation == "recvmsg")
            #expect(elapsedMsg >= Self.shortTimeout)
        }

        @Test func accept_ThrowsTimedOut_AfterTheTimeout() throws {
            let listener = try makeListener()
            defer { listener.close() }
            listener.timeout = Self.shortTimeout
            let (elapsed, error) = measure { _ = try listener.accept() }
            #expect(error?.kind == .timedOut)
            #expect(error?.description == "accept: timed out")
            #expect(elapsed >= Self.shortTimeout)
        }

        @Test func send_ThrowsTimedOut_WhenTheBufferStaysFull() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            try fill(a)
            a.timeout = Self.shortTimeout
            let (elapsed, error) = measure { try a.send(bytes("more")) }
            #expect(error?.kind == .timedOut)
            #expect(elapsed >= Self.shortTimeout)
        }

        @Test func sendAll_TimeoutBoundsTheWholeCall() throws {
            let (client, server) = try tcpPair()
            defer {
                client.close()
                server.close()
            }
            client.timeout = .milliseconds(100)
            let block = [UInt8](repeating: 1, count: 32 << 20)  // far more than the buffers hold
            let (elapsed, error) = measure { try client.sendAll(block) }
            #expect(error?.kind == .timedOut)
            #expect(error?.operation == "send")
            #expect(elapsed >= .milliseconds(100))
        }

        @Test func recv_ThrowsWouldBlock_WhenNonBlocking() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            b.setBlocking(false)
            let (elapsed, error) = measure { _ = try b.recv(16) }
            #expect(error?.kind == .wouldBlock)
            #expect(error?.description == "recv: operation would block")
            #expect(elapsed < .seconds(1))
            var buffer = [UInt8](repeating: 0, count: 8)
            expectSocketError(.wouldBlock) { _ = try buffer.withUnsafeMutableBytes { try b.recv(into: $0) } }
            expectSocketError(.wouldBlock) { _ = try b.recvMsg(8) }
            try a.send(bytes("now"))
            #expect(try b.recv(16) == bytes("now"))
        }

        @Test func accept_ThrowsWouldBlock_WhenNonBlocking_AndTryAcceptReturnsIt() throws {
            let listener = try makeListener()
            defer { listener.close() }
            #expect(try listener.tryAccept().isWouldBlock, "tryAccept never waits, even in blocking mode")
            listener.setBlocking(false)
            expectSocketError(.wouldBlock) { _ = try listener.accept() }

            let client = try Socket.connect(to: "\(try listener.localAddress())", timeout: testTimeout)
            defer { client.close() }
            try waitReadable(listener)
            guard case .completed(let (server, peer)) = try listener.tryAccept() else {
                Issue.record("a connection was queued")
                return
            }
            defer { server.close() }
            #expect(peer == (try client.localAddress()))
            #expect(server.isBlocking)
        }

        @Test func send_ThrowsWouldBlock_WhenNonBlockingAndFull() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            try fill(a)
            a.setBlocking(false)
            expectSocketError(.wouldBlock) { try a.send(bytes("x")) }
            expectSocketError(.wouldBlock) { try a.sendAll(bytes("x")) }
        }

        @Test func connect_ThrowsWouldBlock_WhenNonBlocking_ThenCompletes() throws {
            let listener = try makeListener()
            defer { listener.close() }
            let socket = try Socket()
            defer { socket.close() }
            socket.setBlocking(false)
            // A non-blocking loopback connect always answers EINPROGRESS on Linux: the
            // handshake's reply is handled after the call returns.
            let address = try listener.localAddress()
            let error = expectSocketError(.wouldBlock) { try socket.connect(to: address) }
            #expect(error?.operation == "connect")
            try waitWritable(socket)
            #expect(try socket.pendingError() == nil)
            #expect(try socket.peerAddress() == listener.localAddress())
        }

        @Test func tryRecvAndTrySend_IgnoreTheTimeout() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            b.timeout = .seconds(30)
            var buffer = [UInt8](repeating: 0, count: 8)
            let start = ContinuousClock.now
            #expect(try buffer.withUnsafeMutableBytes { try b.tryRecv(into: $0) } == .wouldBlock)
            #expect(start.duration(to: .now) < .seconds(1))
            try fill(a)
            a.timeout = .seconds(30)
            #expect(try bytes("x").withUnsafeBytes { try a.trySend($0) } == .wouldBlock)
        }

        @Test func timeout_AppliesToEachCall_NotToTheSocketsLifetime() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            b.timeout = Self.shortTimeout
            expectSocketError(.timedOut) { _ = try b.recv(16) }
            expectSocketError(.timedOut) { _ = try b.recv(16) }
            try a.send(bytes("late"))
            #expect(try b.recv(16) == bytes("late"), "a socket is usable after a timeout")
        }

        /// Fills `socket`'s send buffer (and its peer's receive buffer) without blocking.
        func fill(_ socket: Socket) throws {
            let block = [UInt8](repeating: 0, count: 64 * 1024)
            for _ in 0..<10_000 {
                if case .wouldBlock = try block.withUnsafeBytes({ try socket.trySend($0) }) { return }
            }
            throw HarnessError("the send buffer never filled")
        }
    }
}

extension IOResult {
    /// Whether this is ``IOResult/wouldBlock``.
    var isWouldBlock: Bool {
        if case .wouldBlock = self { return true }
        return false
    }
}
