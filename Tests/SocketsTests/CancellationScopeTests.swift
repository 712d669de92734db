import TestSupport
import Testing

@testable import Sockets

extension AsyncTests {
    /// One cancellation handler per connection instead of one per wait: waits in a scope
    /// must still end promptly on cancellation, and nothing outside the owner is covered.
    @Suite struct CancellationScopeTests {
        @Test func scope_CoversItsOwnTask_NotAChildTask_NorOneLeftAfterIt() async throws {
            let (inScope, inChild, inLeftover) = try await CancellationScope.run {
                () async throws -> (Bool, Bool, Task<Bool, Never>) in
                async let child = CancellationScope.covering != nil
                let leftover = Task { CancellationScope.covering != nil }
                return (CancellationScope.covering != nil, await child, leftover)
            }
            #expect(inScope)
            #expect(!inChild, "a child task has a cancellation of its own")
            #expect(await !inLeftover.value, "an unstructured task inherits the task-local, not the cover")
            #expect(CancellationScope.covering == nil)
        }

        @Test func read_InAScope_EndsWithCancellationError_WhenTheTaskIsCancelled() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let coveredFlag = AsyncFlag()
            let reader = try await AsyncTest.startParked {
                try await CancellationScope.run { () async throws -> [UInt8] in
                    if CancellationScope.covering != nil { coveredFlag.set() }
                    return try await a.read(upTo: 10)
                }
            }
            #expect(coveredFlag.isSet, "the read waited in the scope")
            reader.cancel()
            let error = try await AsyncTest.failure(of: reader, within: .seconds(2))
            #expect(error is CancellationError, "\(error)")
            // The socket still works after the cancelled read.
            try b.sendAll(AsyncTest.bytes("still here"))
            #expect(try await a.read(upTo: 100, deadline: AsyncTest.deadline()) == AsyncTest.bytes("still here"))
        }

        @Test func secondRead_InAScope_EndsWithCancellationError_AfterAFirstOneCompleted() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let gate = AsyncGate()
            let reader = try await AsyncTest.startParked {
                try await CancellationScope.run { () async throws -> [UInt8] in
                    _ = try await a.read(upTo: 10)
                    gate.open()
                    return try await a.read(upTo: 10)
                }
            }
            try b.sendAll(AsyncTest.bytes("first"))
            try await AsyncTest.withTimeout(.seconds(5), "the first read") { await gate.wait() }
            try await AsyncTest.reactorBarrier()
            reader.cancel()
            let error = try await AsyncTest.failure(of: reader, within: .seconds(2))
            #expect(error is CancellationError, "\(error)")
        }

        @Test func read_InAScope_ThrowsCancellationError_WhenTheTaskWasCancelledBefore() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let reader = Task(executorPreference: AsyncTest.reactor) {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await CancellationScope.run { () async throws -> [UInt8] in try await a.read(upTo: 10) }
            }
            let error = try await AsyncTest.failure(of: reader, within: .seconds(2))
            #expect(error is CancellationError, "\(error)")
        }
    }
}
