import Foundation
import Testing

@testable import Sockets

extension AsyncTests {
    /// The datagram server: hands each datagram to its handler, survives the handler's
    /// errors, and ends on `shutdown()` or when its task is cancelled.
    @Suite struct DatagramServerTests {
        @Test func echo_RepliesToEveryDatagram_OfEachSender() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let harness = try DatagramServerHarness()
            let first = try Socket.bindDatagram(to: "127.0.0.1:0")
            let second = try Socket.bindDatagram(to: "127.0.0.1:0")
            for round in 0..<20 {
                for (index, client) in [first, second].enumerated() {
                    let message = AsyncTest.bytes("client \(index) round \(round)")
                    let reply = try await harness.exchange(message, from: client)
                    #expect(reply.bytes == message)
                    #expect(reply.address == harness.address)
                }
            }
            #expect(harness.handled.value == 40)
            first.close()
            second.close()
            try await harness.stop()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func emptyDatagram_ReachesTheHandler_AndIsEchoedEmpty() async throws {
            let harness = try DatagramServerHarness()
            let client = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { client.close() }
            let reply = try await harness.exchange([], from: client)
            #expect(reply.bytes.isEmpty)
            #expect(reply.address == harness.address)
            #expect(harness.handled.value == 1)
            try await harness.stop()
        }

        @Test func longDatagram_ReachesTheHandlerCut_WithTruncatedSet() async throws {
            let truncated = AsyncMailbox<Bool>()
            let harness = try DatagramServerHarness(maximumSize: 8) { datagram, socket in
                truncated.post(datagram.isTruncated)
                try await socket.send(datagram.bytes, to: datagram.address, deadline: AsyncTest.deadline())
            }
            let client = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { client.close() }
            let reply = try await harness.exchange(AsyncTest.bytes("0123456789abcdef"), from: client)
            #expect(reply.bytes == AsyncTest.bytes("01234567"))
            #expect(try await truncated.next() == true)
            try await harness.stop()
        }

        @Test func handlerError_AffectsThatDatagramOnly() async throws {
            struct Boom: Error {}
            let harness = try DatagramServerHarness { datagram, socket in
                if datagram.bytes == AsyncTest.bytes("boom") { throw Boom() }
                try await socket.send(datagram.bytes, to: datagram.address, deadline: AsyncTest.deadline())
            }
            let client = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { client.close() }
            _ = try client.sendTo(AsyncTest.bytes("boom"), harness.address)
            let reply = try await harness.exchange(AsyncTest.bytes("after"), from: client)
            #expect(reply.bytes == AsyncTest.bytes("after"), "the datagram after the failing one is served")
            #expect(harness.handled.value == 2)
            #expect(!harness.hasFinished)
            try await harness.stop()
        }

        @Test func shutdown_EndsRun_AndClosesTheSocket() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let harness = try DatagramServerHarness()
            let client = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { client.close() }
            _ = try await harness.exchange(AsyncTest.bytes("hello"), from: client)
            try await harness.stop(within: .seconds(2))
            #expect(harness.server.socket.isClosed)
            client.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        /// The caller's cancellation must reach the receive loop (it once ran in an unstructured
        /// task that nothing cancelled): `run()` returns at once, the CPU stays idle, the socket is closed.
        @Test func run_ReturnsPromptly_AndLeavesTheCPUIdle_WhenItsTaskIsCancelled() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let harness = try DatagramServerHarness()
            let client = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { client.close() }
            _ = try await harness.exchange(AsyncTest.bytes("before"), from: client)

            let measure = await AsyncTest.cancelAndMeasure(harness.running, returnWithin: .seconds(2), window: .milliseconds(500))
            // Ends a server still running (the failure case).
            harness.server.shutdown()
            let returnedAfter = try #require(
                measure.returnedAfter, "DatagramServer.run() did not return within 2 s of its task's cancellation")
            #expect(returnedAfter < .milliseconds(300), "returned \(returnedAfter) after the cancel")
            #expect(measure.load < 0.2, "the process used \(measure.cpu) of CPU in \(measure.wall) after the cancel")
            #expect(try await harness.running.value == .returned, "cancellation ends run() without an error")
            client.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }
    }
}

/// A datagram server on a free loopback port, run in a task of its own.
final class DatagramServerHarness: Sendable {
    /// How `run()` ended.
    enum Outcome: Sendable, Equatable {
        case returned
        case threw(String)
    }

    let server: DatagramServer
    let address: SocketAddress
    let running: Task<Outcome, any Error>
    /// Datagrams handed to the handler so far.
    let handled = AsyncCounter()
    private let finished = AsyncFlag()

    /// - Parameters:
    ///   - echoServer: Runs `DatagramServer.echo` instead of a handler (`handled` stays 0).
    ///   - handler: Echoes by default.
    init(maximumSize: Int = 65_535, echoServer: Bool = false, handler: DatagramServer.Handler? = nil) throws {
        let socket = try Socket.bindDatagram(to: "127.0.0.1:0")
        address = try socket.localAddress()
        let handled = handled
        let serve =
            handler ?? { datagram, socket in
                try await socket.send(datagram.bytes, to: datagram.address, deadline: AsyncTest.deadline())
            }
        let server =
            echoServer
            ? DatagramServer.echo(socket: socket, maximumSize: maximumSize, logger: AsyncServerHarness.logger)
            : DatagramServer(socket: socket, maximumSize: maximumSize, logger: AsyncServerHarness.logger) {
                datagram, socket in
                handled.increment()
                try await serve(datagram, socket)
            }
        self.server = server
        let finished = finished
        running = Task {
            defer { finished.set() }
            do {
                try await server.run()
                return .returned
            } catch {
                return .threw("\(error)")
            }
        }
    }

    /// Whether `run()` has returned.
    var hasFinished: Bool { finished.isSet }

    /// Sends `bytes` from `client` and returns the first datagram that comes back (bounded).
    func exchange(_ bytes: [UInt8], from client: Socket, within limit: Duration = .seconds(5)) async throws -> Datagram {
        _ = try client.sendTo(bytes, address)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 1)
        defer { buffer.deallocate() }
        let (count, sender, truncated) = try await client.receive(into: buffer, deadline: AsyncTest.deadline(limit))
        return Datagram(bytes: Array(buffer[..<count]), address: sender, isTruncated: truncated)
    }

    /// Shuts the server down and waits (bounded) for `run()` to return without an error.
    func stop(within limit: Duration = .seconds(10)) async throws {
        server.shutdown()
        let outcome = try await AsyncTest.withTimeout(limit, "DatagramServer.run() after shutdown") { [running] in
            try await running.value
        }
        #expect(outcome == .returned)
    }
}
