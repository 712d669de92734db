import TestSupport
import Testing

@testable import Sockets

extension AsyncTests {
    /// A socket's owner task waits without a cancellation handler per wait; whoever cancels
    /// it ends its waits with `cancelOwnerWaits()` (the server, for its connection handlers).
    @Suite struct SocketOwnershipTests {
        private static let flood = [UInt8](repeating: 0x5A, count: 16 << 20)

        @Test func ownersParkedRead_EndsWithCancellationError_WhenItsWaitsAreCancelled() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let reader = try await AsyncTest.startParked {
                a.claimOwnership()
                return try await a.read(upTo: 10)
            }
            a.cancelOwnerWaits()
            let error = try await AsyncTest.failure(of: reader, within: .seconds(2))
            #expect(error is CancellationError, "\(error)")
        }

        @Test func ownersLaterWait_ThrowsCancellationError_AfterItsWaitsWereCancelled() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let gate = AsyncGate()
            let reader = try await AsyncTest.startParked {
                a.claimOwnership()
                await gate.wait()
                return try await a.read(upTo: 10)
            }
            a.cancelOwnerWaits()
            gate.open()
            let error = try await AsyncTest.failure(of: reader, within: .seconds(2))
            #expect(error is CancellationError, "\(error)")
        }

        @Test func ownersRead_EndsWithCancellationError_WhenTheTaskWasCancelledBeforeParking() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let reader = Task(executorPreference: AsyncTest.reactor) {
                a.claimOwnership()
                withUnsafeCurrentTask { $0?.cancel() }
                return try await a.read(upTo: 10)
            }
            let error = try await AsyncTest.failure(of: reader, within: .seconds(2))
            #expect(error is CancellationError, "\(error)")
        }

        @Test func anotherTasksWait_IsNotEndedByTheOwnersCancellation_ButByItsOwn() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let owner = try await AsyncTest.startParked {
                a.claimOwnership()
                return try await a.read(upTo: 10)
            }
            let writer = try await AsyncTest.startParked { try await a.write(Self.flood) }
            a.cancelOwnerWaits()
            #expect(try await AsyncTest.failure(of: owner, within: .seconds(2)) is CancellationError)
            try await AsyncTest.reactorBarrier()
            writer.cancel()
            let error = try await AsyncTest.failure(of: writer, within: .seconds(2))
            #expect(error is CancellationError, "\(error)")
        }

        @Test func serverHandler_ParkedInAWrite_EndsWithCancellationError_WhenTheServerIsCancelled() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let (listener, address) = try AsyncTest.listener()
            let outcomes = AsyncMailbox<String>()
            let server = Server(listeners: [listener], logger: AsyncServerHarness.logger) { connection in
                outcomes.post("started")
                do {
                    try await connection.write(Self.flood)
                    outcomes.post("wrote everything")
                } catch {
                    outcomes.post(error is CancellationError ? "cancelled" : "\(error)")
                }
            }
            let running = Task { await server.run() }
            let client = try await AsyncTest.connect(to: address)
            #expect(try await outcomes.next() == "started")
            try await AsyncTest.reactorBarrier()
            running.cancel()
            #expect(try await outcomes.next() == "cancelled")
            try await AsyncTest.withTimeout(.seconds(5), "the server's return") { await running.value }
            client.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }
    }
}
