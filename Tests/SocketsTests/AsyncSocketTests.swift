import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Sockets

#if canImport(Glibc)
    import Glibc
#endif

extension AsyncTests {
    /// Async stream sockets: read, write, accept and connect on the reactor; cancellation,
    /// close while waiting, and descriptor reuse.
    @Suite struct AsyncSocketTests {
        /// Big enough to fill any socket buffer, so a writer whose peer does not read parks.
        static let flood = [UInt8](repeating: 0x5A, count: 16 << 20)

        // MARK: Reading and writing

        @Test func readAndWrite_TransferFourMegabytes_Intact() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let (listener, address) = try AsyncTest.listener()
            let client = try await AsyncTest.connect(to: address)
            let (server, _) = try await listener.accept(deadline: AsyncTest.deadline())
            let payload = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 9) }
            let pinned = UnsafeMutableRawBufferPointer.allocate(byteCount: payload.count, alignment: 1)
            defer { pinned.deallocate() }
            pinned.copyBytes(from: payload)
            let received = try await AsyncTest.withTimeout(.seconds(20)) { [pinned = AsyncSendableBuffer(pinned)] in
                async let sent: Void = client.write(
                    UnsafeRawBufferPointer(pinned.pointer), deadline: AsyncTest.deadline(.seconds(15)))
                let received = try await server.read(exactly: payload.count, deadline: AsyncTest.deadline(.seconds(15)))
                try await sent
                return received
            }
            #expect(received == payload)
            for socket in [listener, client, server] { socket.close() }
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func read_ReturnsEmpty_AtEndOfStream() async throws {
            let (a, b) = try Socket.pair()
            defer { a.close() }
            let reader = try await AsyncTest.startParked { try await a.read(upTo: 10) }
            try b.shutdown(.write)
            #expect(try await AsyncTest.withTimeout { try await reader.value }.isEmpty)
            b.close()
            #expect(try await a.read(upTo: 10, deadline: AsyncTest.deadline()).isEmpty)
        }

        @Test func readExactly_ThrowsUnexpectedEndOfStream_WhenTheStreamEndsEarly() async throws {
            let (a, b) = try Socket.pair()
            defer { a.close() }
            try b.sendAll(AsyncTest.bytes("abc"))
            b.close()
            let error = await #expect(throws: SocketError.self) {
                _ = try await a.read(exactly: 10, deadline: AsyncTest.deadline())
            }
            #expect(error?.kind == .unexpectedEndOfStream)
        }

        @Test func write_ThrowsConnectionReset_WhenThePeerIsGone() async throws {
            let (a, b) = try Socket.pair()
            defer { a.close() }
            let writer = try await AsyncTest.startParked { try await a.write(Self.flood) }
            b.close()
            let error = try await AsyncTest.failure(of: writer)
            #expect((error as? SocketError)?.kind == .connectionReset, "\(error)")
        }

        @Test func write_ThrowsTimedOut_WhenThePeerDoesNotRead() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let start = ContinuousClock.now
            let error = try await AsyncTest.withTimeout {
                await #expect(throws: SocketError.self) {
                    try await a.write(Self.flood, deadline: start + .milliseconds(50))
                }
            }
            #expect(error?.kind == .timedOut)
            #expect(ContinuousClock.now - start >= .milliseconds(50))
        }

        // MARK: Accepting and connecting

        @Test func connections_YieldsEachClient_WithItsAddress() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let (listener, address) = try AsyncTest.listener()
            var clients: [Socket] = []
            for _ in 0..<3 { clients.append(try await AsyncTest.connect(to: address)) }
            let accepted = try await AsyncTest.withTimeout {
                var accepted: [(Socket, SocketAddress)] = []
                for try await connection in listener.connections {
                    accepted.append(connection)
                    if accepted.count == 3 { break }
                }
                return accepted
            }
            let clientAddresses = try Set(clients.map { try $0.localAddress() })
            #expect(Set(accepted.map(\.1)) == clientAddresses)
            for (index, client) in clients.enumerated() {
                try await client.write(AsyncTest.bytes("hello \(index)"), deadline: AsyncTest.deadline())
            }
            for (socket, peer) in accepted {
                let index = try #require(clients.firstIndex { (try? $0.localAddress()) == peer })
                #expect(try await socket.read(upTo: 100, deadline: AsyncTest.deadline()) == AsyncTest.bytes("hello \(index)"))
                socket.close()
            }
            for client in clients { client.close() }
            listener.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func accept_ThrowsTimedOut_AtItsDeadline() async throws {
            let (listener, _) = try AsyncTest.listener()
            defer { listener.close() }
            let start = ContinuousClock.now
            let error = try await AsyncTest.withTimeout {
                await #expect(throws: SocketError.self) {
                    _ = try await listener.accept(deadline: start + .milliseconds(50))
                }
            }
            #expect(error?.kind == .timedOut)
            #expect(ContinuousClock.now - start >= .milliseconds(50))
        }

        @Test func connect_ThrowsConnectionRefused_WithTheAddress() async throws {
            let closed = try ClosedPort()
            defer { closed.close() }
            let address = SocketAddress.ipv4(.loopback, port: closed.port)
            let error = try await AsyncTest.withTimeout {
                await #expect(throws: SocketError.self) { _ = try await AsyncTest.connect(to: address) }
            }
            #expect(error?.kind == .connectionRefused)
            #expect(error?.address == address)
            #expect(error?.operation == "connect")
        }

        @Test(arguments: ["127.0.0.1", "[::1]", "localhost"])
        func connectToString_ReachesTheListener(host: String) async throws {
            let listenHost = host == "localhost" ? "127.0.0.1" : host
            let (listener, address) = try AsyncTest.listener(on: "\(listenHost):0")
            defer { listener.close() }
            let client = try await AsyncTest.withTimeout {
                try await Socket.connect(to: "\(host):\(address.port!)", deadline: AsyncTest.deadline())
            }
            defer { client.close() }
            let (server, peer) = try await listener.accept(deadline: AsyncTest.deadline())
            defer { server.close() }
            #expect(peer == (try client.localAddress()))
            #expect(try await AsyncTest.roundTrip(client, []) == [])
            try await server.write(AsyncTest.bytes("hi"), deadline: AsyncTest.deadline())
            #expect(try await client.read(upTo: 10, deadline: AsyncTest.deadline()) == AsyncTest.bytes("hi"))
        }

        @Test func connectToString_ReachesAUnixSocket() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let path = directory.file("s.sock")
            let (listener, _) = try AsyncTest.listener(on: "unix:\(path)")
            defer { listener.close() }
            let client = try await AsyncTest.withTimeout {
                try await Socket.connect(to: "unix:\(path)", deadline: AsyncTest.deadline())
            }
            defer { client.close() }
            let (server, _) = try await listener.accept(deadline: AsyncTest.deadline())
            defer { server.close() }
            try await client.write(AsyncTest.bytes("over unix"), deadline: AsyncTest.deadline())
            #expect(try await server.read(upTo: 100, deadline: AsyncTest.deadline()) == AsyncTest.bytes("over unix"))
        }

        @Test func connect_ThrowsTimedOut_WhenTheHandshakeHangs() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let saturated = try await AsyncSaturatedListener()
            let start = ContinuousClock.now
            let error = try await AsyncTest.withTimeout {
                await #expect(throws: SocketError.self) {
                    _ = try await AsyncTest.connect(to: saturated.address, within: .milliseconds(100))
                }
            }
            #expect(error?.kind == .timedOut)
            #expect(error?.address == saturated.address)
            #expect(ContinuousClock.now - start >= .milliseconds(100))
            saturated.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        // MARK: Cancellation

        @Test func cancel_WhileReading_ThrowsCancellationError() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let reader = try await AsyncTest.startParked { try await a.read(upTo: 10) }
            reader.cancel()
            let error = try await AsyncTest.failure(of: reader, within: .seconds(2))
            #expect(error is CancellationError, "\(error)")
            // The socket still works after a cancelled read.
            try b.sendAll(AsyncTest.bytes("still here"))
            #expect(try await a.read(upTo: 100, deadline: AsyncTest.deadline()) == AsyncTest.bytes("still here"))
        }

        @Test func cancel_WhileWritingToAFullBuffer_ThrowsCancellationError() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let writer = try await AsyncTest.startParked { try await a.write(Self.flood) }
            writer.cancel()
            let error = try await AsyncTest.failure(of: writer, within: .seconds(2))
            #expect(error is CancellationError, "\(error)")
        }

        @Test func cancel_WhileAccepting_ThrowsCancellationError() async throws {
            let (listener, address) = try AsyncTest.listener()
            defer { listener.close() }
            let acceptor = try await AsyncTest.startParked { try await listener.accept() }
            acceptor.cancel()
            let error = try await AsyncTest.failure(of: acceptor, within: .seconds(2))
            #expect(error is CancellationError, "\(error)")
            // The listener still accepts afterwards.
            let client = try await AsyncTest.connect(to: address)
            defer { client.close() }
            let (server, _) = try await listener.accept(deadline: AsyncTest.deadline())
            server.close()
        }

        @Test func cancel_WhileConnecting_ThrowsCancellationError() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let saturated = try await AsyncSaturatedListener()
            // First make sure a connect to it really hangs.
            let hung = await #expect(throws: SocketError.self) {
                _ = try await AsyncTest.connect(to: saturated.address, within: .milliseconds(50))
            }
            try #require(hung?.kind == .timedOut)
            let client = try Socket(.inet, .stream)
            let connector = try await AsyncTest.startParked { try await client.connect(to: saturated.address) }
            connector.cancel()
            let error = try await AsyncTest.failure(of: connector, within: .seconds(2))
            #expect(error is CancellationError, "\(error)")
            client.close()

            // The String form closes the socket it made.
            let named = try await AsyncTest.startParked {
                try await Socket.connect(to: saturated.address.description)
            }
            named.cancel()
            #expect(try await AsyncTest.failure(of: named, within: .seconds(2)) is CancellationError)
            saturated.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        // MARK: Close while waiting

        @Test func close_WhileReading_WakesTheReaderWithClosed_AndAReusedNumberIsNotConfused() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let (old, oldPeer) = try AsyncTest.highPair()
            let number = old.fileDescriptor
            let oldReader = try await AsyncTest.startParked { try await old.read(upTo: 100) }
            old.close()
            let error = try await AsyncTest.failure(of: oldReader, within: .seconds(2))
            #expect((error as? SocketError)?.kind == .closed, "\(error)")
            #expect(!isOpen(number), "the number is released once the woken reader has returned")

            // A new socket gets the same number and registers anew.
            let (new, newPeer) = try AsyncTest.highPair()
            #expect(new.fileDescriptor == number)
            let newReader = try await AsyncTest.startParked { try await new.read(upTo: 100) }
            // The old socket object stays closed; it never reaches the new socket behind the number.
            let stale = await #expect(throws: SocketError.self) { _ = try await old.read(upTo: 100) }
            #expect(stale?.kind == .closed)
            await #expect(throws: SocketError.self) { try await old.write(AsyncTest.bytes("wrong")) }
            try newPeer.sendAll(AsyncTest.bytes("for the new one"))
            #expect(try await AsyncTest.withTimeout { try await newReader.value } == AsyncTest.bytes("for the new one"))
            // And the new socket keeps working through further waits.
            let again = try await AsyncTest.startParked { try await new.read(upTo: 100) }
            try newPeer.sendAll(AsyncTest.bytes("again"))
            #expect(try await AsyncTest.withTimeout { try await again.value } == AsyncTest.bytes("again"))
            for socket in [oldPeer, new, newPeer] { socket.close() }
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func close_WhileWriting_WakesTheWriterWithClosed() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let (a, b) = try Socket.pair()
            let writer = try await AsyncTest.startParked { try await a.write(Self.flood) }
            a.close()
            let error = try await AsyncTest.failure(of: writer, within: .seconds(2))
            #expect((error as? SocketError)?.kind == .closed, "\(error)")
            b.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func close_WhileAccepting_WakesTheAcceptorWithClosed_AndStopsListening() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let (listener, address) = try AsyncTest.listener()
            let acceptor = try await AsyncTest.startParked { try await listener.accept() }
            listener.close()
            let error = try await AsyncTest.failure(of: acceptor, within: .seconds(2))
            #expect((error as? SocketError)?.kind == .closed, "\(error)")
            #expect((error as? SocketError)?.operation == "accept", "the error names the call that was waiting")
            let refused = await #expect(throws: SocketError.self) { _ = try await AsyncTest.connect(to: address) }
            #expect(refused?.kind == .connectionRefused)
            await AsyncTest.expectDescriptors(backTo: baseline)
        }
    }
}

/// A loopback listener whose accept queue is full, so the kernel drops further SYNs and a
/// connect to it hangs in `SYN_SENT` (until the test's deadline or cancellation).
struct AsyncSaturatedListener {
    let listener: Socket
    let address: SocketAddress
    let fillers: [Socket]

    init() async throws {
        let (listener, address) = try AsyncTest.listener(backlog: 0)
        self.listener = listener
        self.address = address
        fillers = try await onThread {
            var fillers: [Socket] = []
            for _ in 0..<8 {
                let probe = try Socket(.inet, .stream)
                probe.timeout = .milliseconds(300)
                do {
                    try probe.connect(to: address)
                    fillers.append(probe)
                } catch let error as SocketError where error.kind == .timedOut {
                    probe.close()
                    return fillers
                }
            }
            fillers.forEach { $0.close() }
            throw HarnessError("connects to a listener with backlog 0 never hung; cannot make a connect hang")
        }
    }

    func close() {
        for filler in fillers { filler.close() }
        listener.close()
    }
}
