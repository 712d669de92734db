import Dispatch
import Synchronization
import TestSupport
import Testing

@testable import Sockets
@testable import SocketsReactor

extension AsyncTests {
    /// While the reactor runs an owner's inline reader, its task stays parked whatever
    /// happens meanwhile: the reader may use what the task holds (its descriptor, its
    /// buffers) until it returns.
    @Suite struct InlineReaderTests {
        /// A reader that blocks the reactor in its first run until the test lets it go on.
        final class BlockingReader: InlineReader, Sendable {
            let running = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let runs = Atomic<Int>(0)
            /// Whether the owner's task had gone on when the first run returned.
            let ownerWentOnDuringRun = Atomic<Bool>(false)
            let ownerWentOn = Atomic<Bool>(false)
            let ownerWentOnSignal = DispatchSemaphore(value: 0)

            /// Gives a wrongly resumed owner the time to go on (200 ms) before the run ends.
            func finishRun() {
                _ = ownerWentOnSignal.wait(timeout: .now() + .milliseconds(200))
                release.signal()
            }

            func readInline() -> Bool {
                guard runs.add(1, ordering: .sequentiallyConsistent).newValue == 1 else { return false }
                running.signal()
                release.wait()
                ownerWentOnDuringRun.store(ownerWentOn.load(ordering: .sequentiallyConsistent), ordering: .sequentiallyConsistent)
                return false
            }
        }

        /// Parks `a`'s owner, a task of the global executor (so that a wrong resume would
        /// let it run at once), until its reader runs: bytes go to `b` until the reader
        /// reports, one per 100 ms at most, each a new event for a park that was not
        /// there yet for the last one.
        static func parkOwnerInReader(
            _ a: Socket, _ b: Socket, _ reader: BlockingReader
        ) async throws -> Task<Void, any Error> {
            let registration = try a.registration()
            let owner = Task.detached {
                a.claimOwnership()
                defer {
                    reader.ownerWentOn.store(true, ordering: .sequentiallyConsistent)
                    reader.ownerWentOnSignal.signal()
                }
                while reader.runs.load(ordering: .sequentiallyConsistent) == 0 {
                    try await registration.waitRunningInline(after: registration.sequence(.read), reader)
                }
            }
            for _ in 0..<50 {
                try await b.write([1], deadline: AsyncTest.deadline())
                if reader.running.wait(timeout: .now() + .milliseconds(100)) == .success { return owner }
            }
            throw HarnessError("the inline reader never ran")
        }

        /// One event for two readers: another task's read is resumed, the owner's reader runs
        /// and the owner stays parked.
        @Test func anotherTasksRead_IsResumed_AndTheOwnersReaderRuns_OnOneEvent() async throws {
            let (a, b) = try Socket.pair()
            defer { b.close() }
            let registration = try a.registration()
            let reader = BlockingReader()
            reader.release.signal()  // its run does not block
            let owner = try await AsyncTest.startParked {
                a.claimOwnership()
                try await registration.waitRunningInline(after: registration.sequence(.read), reader)
            }
            let other = try await AsyncTest.startParked { try await a.read(upTo: 16) }
            try await b.write([42], deadline: AsyncTest.deadline())
            let read = try await AsyncTest.withTimeout(.seconds(5), "the other task's read") { try await other.value }
            #expect(read == [42])
            #expect(reader.running.wait(timeout: .now() + .seconds(5)) == .success, "the owner's reader ran")
            a.close()
            let error = try await AsyncTest.failure(of: owner)
            #expect((error as? SocketError)?.kind == .closed, "the owner stayed parked until the close: \(error)")
            #expect(reader.runs.load(ordering: .sequentiallyConsistent) == 1)
        }

        @Test func close_LeavesTheOwnerParked_UntilItsRunningReaderReturns() async throws {
            let (a, b) = try Socket.pair()
            defer { b.close() }
            let reader = BlockingReader()
            let owner = try await Self.parkOwnerInReader(a, b, reader)
            a.close()
            reader.finishRun()
            let error = try await AsyncTest.failure(of: owner)
            #expect((error as? SocketError)?.kind == .closed, "\(error)")
            let ownerWentOn = reader.ownerWentOnDuringRun.load(ordering: .sequentiallyConsistent)
            #expect(!ownerWentOn, "the owner's task went on while its reader ran")
        }

        @Test func cancelOwnerWaits_LeavesTheOwnerParked_UntilItsRunningReaderReturns() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let reader = BlockingReader()
            let owner = try await Self.parkOwnerInReader(a, b, reader)
            a.cancelOwnerWaits()
            reader.finishRun()
            let error = try await AsyncTest.failure(of: owner)
            #expect(error is CancellationError, "\(error)")
            let ownerWentOn = reader.ownerWentOnDuringRun.load(ordering: .sequentiallyConsistent)
            #expect(!ownerWentOn, "the owner's task went on while its reader ran")
        }
    }
}
