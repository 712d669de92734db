import Logging
import Synchronization
import TestSupport
import Testing

@testable import Sockets

extension AsyncTests {
    /// Several reactors (SPEC §7): a group of threads, a server spreading its
    /// connections over them, and the rules that must hold across them.
    @Suite struct ReactorGroupTests {
        /// Where each handler ran: the reactor it started on, and whether it stayed there.
        private final class Placements: Sendable {
            private let state = LockedValue<(started: [ObjectIdentifier], moved: Int)>(([], 0))

            func record(start: Reactor?) { state.withLock { $0.started.append(start.map(ObjectIdentifier.init) ?? nilID) } }
            func record(movedFrom start: Reactor?) {
                if Reactor.current !== start { state.withLock { $0.moved += 1 } }
            }
            var started: [ObjectIdentifier] { state.withLock { $0.started } }
            var moved: Int { state.withLock { $0.moved } }
            private let nilID = ObjectIdentifier(Placements.self)
        }

        private static func server(
            _ reactors: ReactorGroup, configuration: ServerConfiguration = ServerConfiguration(),
            handler: @escaping Server.Handler
        ) throws -> (Server, SocketAddress, Task<Void, Never>) {
            let (listener, address) = try AsyncTest.listener()
            let server = Server(
                listeners: [listener], configuration: configuration, logger: AsyncServerHarness.logger,
                reactors: reactors, handler: handler)
            return (server, address, Task { await server.run() })
        }

        @Test func group_RunsEachReactorOnItsOwnThread_AndShutsDownToBaseline() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let group = try ReactorGroup(threads: 3)
            #expect(group.count == 3)
            for reactor in group.reactors {
                let (current, onThread, others) = await Task(executorPreference: reactor) {
                    (Reactor.current === reactor, reactor.isCurrentThread, group.reactors.filter { $0.isCurrentThread }.count)
                }.value
                #expect(current && onThread && others == 1)
            }
            #expect(Reactor.current == nil, "a test task is not on a reactor")
            group.shutdown()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func sharedGroup_HasOneReactorPerAvailableCore_StartingWithTheSharedReactor() {
            #expect(ReactorGroup.shared.count == ReactorGroup.availableCores)
            #expect(ReactorGroup.shared.reactors.first === Reactor.shared)
            #expect(ReactorGroup.availableCores >= 1)
        }

        @Test func server_KeepsEachListenersConnections_OnItsReactor_WhenSpreadingByListener() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let group = try ReactorGroup(threads: 2)
            let (first, firstAddress) = try AsyncTest.listener()
            let (second, secondAddress) = try AsyncTest.listener()
            let placements = Placements()
            let server = Server(
                listeners: [first, second], configuration: ServerConfiguration(spreading: .byListener),
                logger: AsyncServerHarness.logger, reactors: group
            ) { connection in
                placements.record(start: Reactor.current)
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
                defer { buffer.deallocate() }
                while case let count = try await connection.read(into: buffer), count > 0 {
                    try await connection.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                }
            }
            let running = Task { await server.run() }
            var clients: [Socket] = []
            for (index, address) in [firstAddress, firstAddress, firstAddress, secondAddress].enumerated() {
                let client = try await AsyncTest.connect(to: address)
                clients.append(client)
                let payload = AsyncTest.payload(client: index, round: 0)
                #expect(try await AsyncTest.roundTrip(client, payload) == payload)
            }
            #expect(server.connectionCountsByReactor == [3, 1])
            #expect(placements.started.filter { $0 == ObjectIdentifier(group.reactors[0]) }.count == 3)
            #expect(placements.started.filter { $0 == ObjectIdentifier(group.reactors[1]) }.count == 1)
            for client in clients { client.close() }
            server.shutdown()
            await running.value
            group.shutdown()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func server_SpreadsConnectionsOverEveryReactor_AndKeepsEachOnOne() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let group = try ReactorGroup(threads: 3)
            let placements = Placements()
            let (server, address, running) = try Self.server(group) { connection in
                let start = Reactor.current
                placements.record(start: start)
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
                defer { buffer.deallocate() }
                while case let count = try await connection.read(into: buffer), count > 0 {
                    placements.record(movedFrom: start)
                    try await connection.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                    placements.record(movedFrom: start)
                }
            }
            var clients: [Socket] = []
            for index in 0..<30 {
                let client = try await AsyncTest.connect(to: address)
                clients.append(client)
                let payload = AsyncTest.payload(client: index, round: 0)
                #expect(try await AsyncTest.roundTrip(client, payload) == payload)
            }
            #expect(server.connectionCountsByReactor == [10, 10, 10])
            // Every handler parked on its own reactor: each holds its ten connections' registrations.
            #expect(group.registeredCounts.allSatisfy { $0 >= 10 }, "\(group.registeredCounts)")
            let started = placements.started
            #expect(Set(started) == Set(group.reactors.map(ObjectIdentifier.init)))
            for reactor in group.reactors {
                #expect(started.filter { $0 == ObjectIdentifier(reactor) }.count == 10)
            }
            for round in 1...3 {
                for (index, client) in clients.enumerated() {
                    let payload = AsyncTest.payload(client: index, round: round)
                    #expect(try await AsyncTest.roundTrip(client, payload) == payload)
                }
            }
            #expect(placements.moved == 0, "a handler changed reactors")
            for client in clients { client.close() }
            server.shutdown()
            await running.value
            #expect(server.connectionCount == 0)
            group.shutdown()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func connectionLimit_HoldsAcrossReactors() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let group = try ReactorGroup(threads: 3)
            let (server, address, running) = try Self.server(
                group, configuration: ServerConfiguration(maximumConnections: 4), handler: AsyncTest.echo)
            var admitted: [Socket] = []
            for index in 0..<4 {
                let client = try await AsyncTest.connect(to: address)
                let payload = AsyncTest.payload(client: index, round: 0)
                #expect(try await AsyncTest.roundTrip(client, payload) == payload)
                admitted.append(client)
            }
            #expect(server.connectionCountsByReactor.sorted() == [1, 1, 2])
            // The fifth is closed at once, whichever reactor would have had it.
            for _ in 0..<3 {
                let refused = try await AsyncTest.connect(to: address)
                try await AsyncTest.expectClosedByPeer(refused)
                refused.close()
            }
            #expect(server.connectionCount == 4)
            // A slot freed on one reactor admits a new connection.
            admitted.removeFirst().close()
            let admittedLater = try await eventually(within: .seconds(5)) { () async throws -> Bool in
                let client = try await AsyncTest.connect(to: address)
                defer { client.close() }
                let payload = AsyncTest.bytes("again")
                return (try? await AsyncTest.roundTrip(client, payload, within: .seconds(1))) == payload
            }
            #expect(admittedLater)
            for client in admitted { client.close() }
            server.shutdown()
            await running.value
            group.shutdown()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func shutdown_DrainsEveryReactor() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let group = try ReactorGroup(threads: 3)
            let finished = Atomic<Int>(0)
            // Each handler answers "bye" when its input ends: the grace period lets it.
            let (server, address, running) = try Self.server(
                group, configuration: ServerConfiguration(gracePeriod: .seconds(5))
            ) { connection in
                while try await !connection.read(upTo: 100).isEmpty {}
                try await connection.write(AsyncTest.bytes("bye"))
                finished.add(1, ordering: .relaxed)
            }
            var clients: [Socket] = []
            for _ in 0..<6 {
                let client = try await AsyncTest.connect(to: address)
                try await client.write(AsyncTest.bytes("hi"))
                clients.append(client)
            }
            #expect(await eventually(within: .seconds(5)) { server.connectionCountsByReactor == [2, 2, 2] })
            server.shutdown()
            for client in clients {
                #expect(try await client.read(exactly: 3, deadline: AsyncTest.deadline()) == AsyncTest.bytes("bye"))
            }
            try await AsyncTest.withTimeout(.seconds(10), "Server.run() after shutdown") { await running.value }
            #expect(finished.load(ordering: .relaxed) == 6)
            #expect(server.connectionCountsByReactor == [0, 0, 0])
            for client in clients { client.close() }
            group.shutdown()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func deadlinesAndCancellation_WorkOnEveryReactor() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let group = try ReactorGroup(threads: 3)
            for reactor in group.reactors {
                let (mine, peer) = try Socket.pair()
                defer {
                    mine.close()
                    peer.close()
                }
                // A deadline fires on the reactor the socket registered with.
                let timedOut = await Task(executorPreference: reactor) { () -> Bool in
                    do {
                        _ = try await mine.read(upTo: 10, deadline: .now + .milliseconds(50))
                        return false
                    } catch let error as SocketError {
                        return error.kind == .timedOut && Reactor.current === reactor
                    } catch {
                        return false
                    }
                }.value
                #expect(timedOut)
                #expect(reactor.registeredCount >= 1)
                // A parked read ends with CancellationError when its task is cancelled.
                let parked = Task(executorPreference: reactor) { try await mine.read(upTo: 10) }
                // Queued behind the read's first job: once it has run, the read is parked.
                await Task(executorPreference: reactor) {}.value
                parked.cancel()
                let error = try await AsyncTest.failure(of: parked)
                #expect(error is CancellationError, "\(error)")
                // And the socket still works on its reactor afterwards.
                try peer.sendAll(AsyncTest.bytes("ok"))
                let read = try await Task(executorPreference: reactor) { try await mine.read(upTo: 10) }.value
                #expect(read == AsyncTest.bytes("ok"))
            }
            group.shutdown()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }
    }
}
