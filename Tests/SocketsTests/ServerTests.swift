import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Sockets

extension AsyncTests {
    /// The server core: concurrency, limits, idle timeout, graceful shutdown, misbehaving clients.
    @Suite struct ServerTests {
        let reactor = Reactor.shared

        @Test func echo_ServesTwoThousandConcurrentClients() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let harness = try AsyncServerHarness()
            let clientCount = 2_000
            let rounds = 3
            let address = harness.address
            let clients = try await AsyncTest.withTimeout(.seconds(30), "\(clientCount) connects") { [reactor] in
                try await withThrowingTaskGroup(of: (Int, Socket).self) { group in
                    for index in 0..<clientCount {
                        group.addTask(executorPreference: reactor) {
                            (index, try await AsyncTest.connect(to: address, within: .seconds(20)))
                        }
                    }
                    var clients = [Socket?](repeating: nil, count: clientCount)
                    for try await (index, socket) in group { clients[index] = socket }
                    return clients.compactMap { $0 }
                }
            }
            try #require(clients.count == clientCount)
            // All of them are open at once.
            try #require(
                try await eventually(within: .seconds(10)) {
                    try await AsyncTest.reactorBarrier()
                    return harness.server.connectionCount == clientCount
                }, "the server holds \(clientCount) connections")

            let wrong = try await AsyncTest.withTimeout(.seconds(30), "\(clientCount) × \(rounds) round trips") { [reactor] in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for (index, client) in clients.enumerated() {
                        group.addTask(executorPreference: reactor) {
                            var wrong = 0
                            for round in 0..<rounds {
                                let payload = AsyncTest.payload(client: index, round: round)
                                if try await AsyncTest.roundTrip(client, payload, within: .seconds(20)) != payload { wrong += 1 }
                            }
                            return wrong
                        }
                    }
                    return try await group.reduce(0, +)
                }
            }
            #expect(wrong == 0, "\(wrong) echoes differed from what was sent")

            for client in clients { client.close() }
            try #require(
                try await eventually(within: .seconds(10)) {
                    try await AsyncTest.reactorBarrier()
                    return harness.server.connectionCount == 0
                }, "every connection is closed")
            try await harness.stop()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func idleTimeout_ClosesTheSilentClient_AndKeepsTheActiveOne() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let reports = AsyncMailbox<(peer: SocketAddress, timedOut: Bool)>()
            let harness = try AsyncServerHarness(configuration: ServerConfiguration(idleTimeout: .milliseconds(200))) {
                connection in
                defer { reports.post((connection.peer, connection.isTimedOut)) }
                try await connection.echo()
            }
            let start = ContinuousClock.now
            let silent = try await AsyncTest.connect(to: harness.address)
            let active = try await AsyncTest.connect(to: harness.address)
            let silentAddress = try silent.localAddress()
            let activeAddress = try active.localAddress()

            async let talking: Void = Self.talk(to: active, times: 12, every: .milliseconds(50))
            try await AsyncTest.expectClosedByPeer(silent, within: .seconds(3))
            let silentFor = ContinuousClock.now - start
            try await talking
            #expect(silentFor >= .milliseconds(150), "closed after \(silentFor), before the idle timeout")

            let idled = try await reports.next()
            #expect(idled.peer == silentAddress)
            #expect(idled.timedOut)
            // The active client outlived the silent one by far, and is still served.
            #expect(try await AsyncTest.roundTrip(active, AsyncTest.bytes("still open")) == AsyncTest.bytes("still open"))
            #expect(harness.server.connectionCount == 1)
            active.close()
            let finished = try await reports.next()
            #expect(finished.peer == activeAddress)
            #expect(!finished.timedOut)

            silent.close()
            try await harness.stop()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        /// "Silent" is the client's silence (SPEC §4, `--idle-timeout`): what arrives keeps a
        /// connection open even while its handler is not reading.
        @Test func idleTimeout_KeepsAClientThatSends_WhileItsHandlerDoesNotRead() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let go = AsyncMailbox<Void>()
            let reports = AsyncMailbox<(bytes: [UInt8], timedOut: Bool)>()
            let harness = try AsyncServerHarness(configuration: ServerConfiguration(idleTimeout: .milliseconds(200))) {
                connection in
                try await go.next(within: .seconds(10), "the test's go-ahead")
                let bytes = try await connection.read(exactly: 12)
                reports.post((bytes, connection.isTimedOut))
            }
            let client = try await AsyncTest.connect(to: harness.address)
            // Three times the timeout, one byte every 50 ms, none of it read yet.
            for index in 0..<12 {
                try await client.write([UInt8(ascii: "a") + UInt8(index)], deadline: .now + .seconds(5))
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(harness.server.connectionCount == 1)
            go.post(())
            let report = try await reports.next()
            #expect(report.bytes == Array("abcdefghijkl".utf8))
            #expect(!report.timedOut)

            client.close()
            try await harness.stop()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        /// Sends a message every `interval`, checking each echo.
        static func talk(to client: Socket, times: Int, every interval: Duration) async throws {
            for index in 0..<times {
                let message = AsyncTest.bytes("tick \(index)")
                #expect(try await AsyncTest.roundTrip(client, message) == message)
                try await Task.sleep(for: interval)
            }
        }

        @Test func shutdown_LetsTheRequestInFlightFinish_StopsAccepting_AndClosesIdleConnections() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let started = AsyncMailbox<Void>()
            let gate = AsyncGate()
            let harness = try AsyncServerHarness(configuration: ServerConfiguration(gracePeriod: .seconds(20))) { connection in
                while true {
                    let request = try await connection.read(upTo: 100)
                    if request.isEmpty { return }
                    if request == AsyncTest.bytes("slow") {
                        started.post(())
                        await gate.wait()
                        try await connection.write(AsyncTest.bytes("done"))
                    } else {
                        try await connection.write(request)
                    }
                }
            }
            let busy = try await AsyncTest.connect(to: harness.address)
            let idle = try await AsyncTest.connect(to: harness.address)
            #expect(try await AsyncTest.roundTrip(idle, AsyncTest.bytes("hello")) == AsyncTest.bytes("hello"))
            try await busy.write(AsyncTest.bytes("slow"), deadline: AsyncTest.deadline())
            try await started.next()

            harness.server.shutdown()
            let refused = await #expect(throws: SocketError.self) { _ = try await AsyncTest.connect(to: harness.address) }
            #expect(refused?.kind == .connectionRefused)
            try await AsyncTest.expectClosedByPeer(idle)
            try #require(
                try await eventually(within: .seconds(5)) {
                    try await AsyncTest.reactorBarrier()
                    return harness.server.connectionCount == 1
                }, "the idle connection is gone")
            #expect(!harness.hasFinished, "run() must wait for the request in flight")

            let openedAt = ContinuousClock.now
            gate.open()
            #expect(try await busy.read(exactly: 4, deadline: AsyncTest.deadline()) == AsyncTest.bytes("done"))
            try await AsyncTest.expectClosedByPeer(busy)
            try await harness.stop()
            #expect(
                ContinuousClock.now - openedAt < .seconds(10),
                "run() returned when the last connection ended, not at the grace period")
            #expect(harness.server.connectionCount == 0)
            busy.close()
            idle.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func shutdown_ClosesAHandlerThatNeverFinishes_AfterTheGracePeriod() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let started = AsyncMailbox<Void>()
            let outcome = AsyncMailbox<String>()
            let harness = try AsyncServerHarness(configuration: ServerConfiguration(gracePeriod: .milliseconds(300))) {
                connection in
                _ = try await connection.read(upTo: 100)
                started.post(())
                do {
                    try await Task.sleep(for: .seconds(3600))
                    outcome.post("slept an hour")
                } catch {
                    outcome.post("\(type(of: error))")
                    throw error
                }
            }
            let client = try await AsyncTest.connect(to: harness.address)
            try await client.write(AsyncTest.bytes("request"), deadline: AsyncTest.deadline())
            try await started.next()

            let shutdownAt = ContinuousClock.now
            harness.server.shutdown()
            try await AsyncTest.expectClosedByPeer(client, within: .seconds(5))
            #expect(ContinuousClock.now - shutdownAt >= .milliseconds(300))
            try await harness.stop(within: .seconds(5))
            #expect(try await outcome.next() == "CancellationError")
            #expect(harness.server.connectionCount == 0)
            client.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        /// Cancelling the task that runs `run()`, without `shutdown()`, ends the server at once:
        /// the accept loop must not retry in a cancelled task (where every `Task.sleep` returns
        /// at once), the open connection is closed, the listener too, and the CPU stays idle.
        @Test func run_ReturnsPromptly_AndLeavesTheCPUIdle_WhenItsTaskIsCancelled() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let harness = try AsyncServerHarness(configuration: ServerConfiguration(gracePeriod: .seconds(20)))
            let client = try await AsyncTest.connect(to: harness.address)
            #expect(try await AsyncTest.roundTrip(client, AsyncTest.bytes("before")) == AsyncTest.bytes("before"))

            let measure = await AsyncTest.cancelAndMeasure(harness.running, returnWithin: .seconds(2), window: .milliseconds(500))
            // Ends a server still running (the failure case) so that it stops spinning.
            harness.server.shutdown()
            let returnedAfter = try #require(
                measure.returnedAfter, "Server.run() did not return within 2 s of its task's cancellation")
            #expect(returnedAfter < .milliseconds(300), "returned \(returnedAfter) after the cancel")
            #expect(measure.load < 0.2, "the process used \(measure.cpu) of CPU in \(measure.wall) after the cancel")
            try await AsyncTest.expectClosedByPeer(client)
            let refused = await #expect(throws: SocketError.self) { _ = try await AsyncTest.connect(to: harness.address) }
            #expect(refused?.kind == .connectionRefused, "the listener is closed")
            #expect(harness.server.connectionCount == 0)
            client.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func maxConnections_ClosesTheSixthAtOnce_AndServesTheFirstFive() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let harness = try AsyncServerHarness(configuration: ServerConfiguration(maximumConnections: 5))
            var clients: [Socket] = []
            for index in 0..<5 {
                let client = try await AsyncTest.connect(to: harness.address)
                #expect(
                    try await AsyncTest.roundTrip(client, AsyncTest.bytes("first \(index)")) == AsyncTest.bytes("first \(index)"))
                clients.append(client)
            }
            #expect(harness.server.connectionCount == 5)

            let sixth = try await AsyncTest.connect(to: harness.address)
            try await AsyncTest.expectClosedByPeer(sixth, within: .seconds(3))
            sixth.close()
            for (index, client) in clients.enumerated() {
                #expect(
                    try await AsyncTest.roundTrip(client, AsyncTest.bytes("again \(index)")) == AsyncTest.bytes("again \(index)"))
            }
            #expect(harness.server.connectionCount == 5)

            // A freed slot is given to the next client.
            clients.removeFirst().close()
            try #require(
                try await eventually(within: .seconds(5)) {
                    try await AsyncTest.reactorBarrier()
                    return harness.server.connectionCount == 4
                }, "the closed connection leaves the count")
            let seventh = try await AsyncTest.connect(to: harness.address)
            #expect(try await AsyncTest.roundTrip(seventh, AsyncTest.bytes("seventh")) == AsyncTest.bytes("seventh"))
            clients.append(seventh)

            for client in clients { client.close() }
            try await harness.stop()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func handlerError_ClosesThatConnectionOnly() async throws {
            struct Boom: Error {}
            let baseline = try await AsyncTest.descriptorBaseline()
            let harness = try AsyncServerHarness { connection in
                while true {
                    let request = try await connection.read(upTo: 100)
                    if request.isEmpty { return }
                    if request == AsyncTest.bytes("boom") { throw Boom() }
                    try await connection.write(request)
                }
            }
            let doomed = try await AsyncTest.connect(to: harness.address)
            let bystander = try await AsyncTest.connect(to: harness.address)
            #expect(try await AsyncTest.roundTrip(bystander, AsyncTest.bytes("one")) == AsyncTest.bytes("one"))
            try await doomed.write(AsyncTest.bytes("boom"), deadline: AsyncTest.deadline())
            try await AsyncTest.expectClosedByPeer(doomed)
            #expect(try await AsyncTest.roundTrip(bystander, AsyncTest.bytes("two")) == AsyncTest.bytes("two"))
            for client in [doomed, bystander] { client.close() }
            try await harness.stop()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        /// Clients that reset, half-close, vanish mid-write or leave at once never crash the
        /// server nor leak its descriptors, and it goes on serving.
        @Test func vanishingClients_LeaveNoConnectionAndNoDescriptorBehind() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let harness = try AsyncServerHarness()

            // Reset (SO_LINGER 0, then close) after a round trip, and in the middle of a message.
            let reset = try await AsyncTest.connect(to: harness.address)
            #expect(try await AsyncTest.roundTrip(reset, AsyncTest.bytes("bye")) == AsyncTest.bytes("bye"))
            try reset.setOption(.linger, .zero)
            reset.close()
            let resetEarly = try await AsyncTest.connect(to: harness.address)
            try await resetEarly.write(AsyncTest.bytes("half a mess"), deadline: AsyncTest.deadline())
            try resetEarly.setOption(.linger, .zero)
            resetEarly.close()

            // Half-close: the server sends what it owes, then closes.
            let halfClosed = try await AsyncTest.connect(to: harness.address)
            try await halfClosed.write(AsyncTest.bytes("owed"), deadline: AsyncTest.deadline())
            try halfClosed.shutdown(.write)
            #expect(try await halfClosed.read(exactly: 4, deadline: AsyncTest.deadline()) == AsyncTest.bytes("owed"))
            try await AsyncTest.expectClosedByPeer(halfClosed)
            halfClosed.close()

            // Gone mid-write: the client floods without reading the echoes, so the server's
            // writes fill the client's receive buffer; then the client dies (close with unread
            // data is a reset, as when its process is killed).
            let flooder = try await AsyncTest.connect(to: harness.address)
            let flood = [UInt8](repeating: 0x42, count: 64 << 20)
            let writing = Task(executorPreference: reactor) { try await flooder.write(flood) }
            let peek = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 1)
            defer { peek.deallocate() }
            try #require(
                try await eventually(within: .seconds(5)) {
                    try await AsyncTest.reactorBarrier()
                    if case .completed(let queued) = try flooder.tryRecv(into: peek, flags: .peek) { return queued >= 64 << 10 }
                    return false
                }, "the server is busy echoing to the flooder")
            writing.cancel()
            _ = try await AsyncTest.withTimeout(.seconds(2), "the cancelled write") { await writing.result }
            flooder.close()

            // Leaves at once.
            try await AsyncTest.connect(to: harness.address).close()

            try #require(
                try await eventually(within: .seconds(5)) {
                    try await AsyncTest.reactorBarrier()
                    return harness.server.connectionCount == 0
                }, "every vanished client's connection is closed")
            let fresh = try await AsyncTest.connect(to: harness.address)
            #expect(try await AsyncTest.roundTrip(fresh, AsyncTest.bytes("alive")) == AsyncTest.bytes("alive"))
            fresh.close()
            try await harness.stop()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }
    }
}
