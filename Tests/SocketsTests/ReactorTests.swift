import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Sockets

extension AsyncTests {
    /// The epoll reactor: its executor, readiness routing and deadlines.
    @Suite struct ReactorTests {
        let reactor = Reactor.shared

        // MARK: Executor

        @Test func executor_RunsTasksOnTheReactorThread_WhenPreferred() async throws {
            let onReactor = try await AsyncTest.withTimeout(onReactor: true) { Reactor.shared.isCurrentThread }
            #expect(onReactor)
            let elsewhere = try await AsyncTest.withTimeout { Reactor.shared.isCurrentThread }
            #expect(!elsewhere)
        }

        @Test func executor_RunsEveryJob_WhenEnqueuedFromManyThreads() async throws {
            let ran = AsyncCounter()
            let offThread = AsyncCounter()
            let threads = 4
            let perThread = 2_500
            for _ in 0..<threads {
                startThread { [reactor] in
                    for _ in 0..<perThread {
                        Task(executorPreference: reactor) {
                            if !Reactor.shared.isCurrentThread { offThread.increment() }
                            ran.increment()
                        }
                    }
                }
            }
            try #require(
                try await eventually(within: .seconds(10)) {
                    try await AsyncTest.reactorBarrier()
                    return ran.value == threads * perThread
                }, "all \(threads * perThread) jobs ran")
            #expect(offThread.value == 0)
        }

        /// The reactor blocks in `epoll_wait` with no timeout when it has nothing to do; a job
        /// from another thread must wake it through the eventfd, every time.
        @Test func executor_WakesTheIdleLoop_ForEachJob() async throws {
            try await AsyncTest.withTimeout(.seconds(10), "200 hops to an idle reactor") { [reactor] in
                for round in 0..<200 {
                    let value = await Task(executorPreference: reactor) { round }.value
                    #expect(value == round)
                    if round % 20 == 0 { try await Task.sleep(for: .milliseconds(2)) }
                }
            }
        }

        // MARK: Shutdown

        /// A reactor of its own: `shutdown()` ends its thread, closes its epoll and eventfd,
        /// wakes the task parked on it with `closed`, refuses new registrations, and tasks that
        /// still prefer it run elsewhere instead of hanging.
        @Test func shutdown_EndsTheThread_ClosesTheDescriptors_AndWakesTheWaiters() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let own = try Reactor()
            let threadID = try await AsyncTest.withTimeout(.seconds(10), "a job on the new reactor") {
                await Task(executorPreference: own) { own.isCurrentThread ? currentThreadID() : -1 }.value
            }
            try #require(threadID > 0, "the job ran on the reactor's thread")
            let threadEntry = "/proc/self/task/\(threadID)"
            #expect(FileManager.default.fileExists(atPath: threadEntry))
            let added = openDescriptors(includingTimers: false).filter { baseline[$0.key] == nil }.values.sorted()
            #expect(added == ["anon_inode:[eventfd]", "anon_inode:[eventpoll]"])

            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let registration = try own.register(a.fileDescriptor)
            let sequence = registration.sequence(.read)
            let waiter = Task(executorPreference: own) {
                try await registration.wait(for: .read, after: sequence, deadline: .now + .seconds(3600), operation: "read")
            }
            // Jobs run in order: once this one ran, the waiter has run up to its park.
            try await AsyncTest.withTimeout(.seconds(10), "a barrier on the new reactor") {
                await Task(executorPreference: own) {}.value
            }

            own.shutdown()
            let error = try await AsyncTest.failure(of: waiter)
            #expect((error as? SocketError)?.kind == .closed, "\(error)")
            try #require(
                try await eventually(within: .seconds(5)) {
                    try await AsyncTest.reactorBarrier()
                    return !FileManager.default.fileExists(atPath: threadEntry)
                }, "the reactor thread \(threadID) has ended")
            let refused = #expect(throws: SocketError.self) { _ = try own.register(b.fileDescriptor) }
            #expect(refused?.kind == .closed)
            let ranOnIt = try await AsyncTest.withTimeout(.seconds(10), "a job after shutdown") {
                await Task(executorPreference: own) { own.isCurrentThread }.value
            }
            #expect(!ranOnIt)
            own.shutdown()
            a.close()
            b.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        /// `shutdown()` from a task running on the reactor itself: the loop must not block
        /// in `epoll_wait` after the job that asked it to stop.
        @Test func shutdown_FromItsOwnThread_EndsTheThread() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let own = try Reactor()
            let threadID = try await AsyncTest.withTimeout(.seconds(10), "a job on the new reactor") {
                await Task(executorPreference: own) {
                    own.shutdown()
                    return currentThreadID()
                }.value
            }
            try #require(
                try await eventually(within: .seconds(5)) {
                    try await AsyncTest.reactorBarrier()
                    return !FileManager.default.fileExists(atPath: "/proc/self/task/\(threadID)")
                }, "the reactor thread \(threadID) has ended")
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        // MARK: Readiness

        @Test func read_ParksAfterShortReads_AndNewDataWakesIt() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let (a, b) = try Socket.pair()
            try b.sendAll(AsyncTest.bytes("0123456789"))
            let small = UnsafeMutableRawBufferPointer.allocate(byteCount: 4, alignment: 1)
            defer { small.deallocate() }
            var pieces: [[UInt8]] = []
            for _ in 0..<3 {
                let count = try await a.read(into: small, deadline: AsyncTest.deadline())
                pieces.append(Array(small[..<count]))
            }
            #expect(pieces == [AsyncTest.bytes("0123"), AsyncTest.bytes("4567"), AsyncTest.bytes("89")])

            // The socket is drained: the next read parks, and only new data wakes it.
            let reader = try await AsyncTest.startParked { try await a.read(upTo: 100) }
            try b.sendAll(AsyncTest.bytes("later"))
            let later = try await AsyncTest.withTimeout { try await reader.value }
            #expect(later == AsyncTest.bytes("later"))

            // Data that arrives while nobody waits is read at once, after a short read too.
            try b.sendAll(AsyncTest.bytes("abc"))
            let abc = try await a.read(upTo: 100, deadline: AsyncTest.deadline())
            #expect(abc == AsyncTest.bytes("abc"))
            try b.sendAll(AsyncTest.bytes("def"))
            let def = try await a.read(upTo: 100, deadline: AsyncTest.deadline())
            #expect(def == AsyncTest.bytes("def"))
            a.close()
            b.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        /// Data and the end of stream that arrive together are one edge. A read that takes
        /// the data comes back short, yet the next read must see the end of stream rather
        /// than park for an event that will never come (a half-closing client).
        @Test func read_SeesEndOfStream_AfterAShortRead_WhenDataAndCloseArrivedTogether() async throws {
            let (a, b) = try Socket.pair()
            defer { a.close() }
            // Register `a` and let its first event pass.
            let first = try await AsyncTest.startParked { try await a.read(upTo: 100) }
            try b.sendAll(AsyncTest.bytes("x"))
            #expect(try await AsyncTest.withTimeout { try await first.value } == AsyncTest.bytes("x"))
            // Data and end of stream at once; the barrier lets the reactor see both first.
            try b.sendAll(AsyncTest.bytes("abc"))
            try b.shutdown(.write)
            try await AsyncTest.reactorBarrier()
            let rest = try await AsyncTest.withTimeout(.seconds(2), "reading up to the end of stream") {
                var rest: [[UInt8]] = []
                while true {
                    let chunk = try await a.read(upTo: 100, deadline: AsyncTest.deadline(.seconds(1)))
                    rest.append(chunk)
                    if chunk.isEmpty { return rest }
                }
            }
            #expect(rest == [AsyncTest.bytes("abc"), []])
            b.close()
        }

        @Test func readiness_WakesOnlyTheSocketItBelongsTo() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let pairs = try (0..<200).map { _ in try Socket.pair() }
            var readers: [Task<[UInt8], any Error>] = []
            for (reader, _) in pairs {
                readers.append(Task(executorPreference: reactor) { try await reader.read(upTo: 64) })
            }
            try await AsyncTest.reactorBarrier()
            for index in (0..<pairs.count).shuffled() {
                try pairs[index].1.sendAll(AsyncTest.bytes("pair \(index)"))
            }
            let received = try await AsyncTest.withTimeout { [readers] in
                var all: [[UInt8]] = []
                for reader in readers { all.append(try await reader.value) }
                return all
            }
            #expect(received == (0..<pairs.count).map { AsyncTest.bytes("pair \($0)") })
            for (first, second) in pairs {
                first.close()
                second.close()
            }
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func readiness_ReaderAndWriterOfOneSocket_WakeIndependently() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let size = 4 << 20
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let readerDone = AsyncFlag()
            let reader = try await AsyncTest.startParked {
                defer { readerDone.set() }
                return try await a.read(upTo: 64)
            }
            let writer = try await AsyncTest.startParked { try await a.write(payload) }
            let drained = try await AsyncTest.withTimeout {
                try await b.read(exactly: size, deadline: AsyncTest.deadline(.seconds(10)))
            }
            #expect(drained == payload)
            try await AsyncTest.withTimeout { try await writer.value }
            try await AsyncTest.reactorBarrier()
            #expect(!readerDone.isSet, "write readiness must not end the read")
            try b.sendAll(AsyncTest.bytes("ping"))
            #expect(try await AsyncTest.withTimeout { try await reader.value } == AsyncTest.bytes("ping"))
        }

        // MARK: Deadlines

        @Test func deadline_ThrowsTimedOut_NoEarlierThanTheDeadline() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let start = ContinuousClock.now
            let error = try await AsyncTest.withTimeout {
                await #expect(throws: SocketError.self) {
                    _ = try await a.read(upTo: 10, deadline: start + .milliseconds(50))
                }
            }
            let elapsed = ContinuousClock.now - start
            #expect(error?.kind == .timedOut)
            #expect(error?.operation == "read", "the error names the call that timed out")
            #expect(elapsed >= .milliseconds(50))
            // The socket is still usable after a timeout.
            try b.sendAll(AsyncTest.bytes("after"))
            #expect(try await a.read(upTo: 10, deadline: AsyncTest.deadline()) == AsyncTest.bytes("after"))
        }

        @Test func deadline_FarInTheFuture_DoesNotFire() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let reader = try await AsyncTest.startParked {
                try await a.read(upTo: 10, deadline: .now + .seconds(3600))
            }
            try await Task.sleep(for: .milliseconds(100))
            try b.sendAll(AsyncTest.bytes("late"))
            #expect(try await AsyncTest.withTimeout { try await reader.value } == AsyncTest.bytes("late"))
        }

        @Test func deadline_ExpiresOnlyItsOwnWaiter() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let patient = try await AsyncTest.startParked { try await a.read(upTo: 10) }
            let hasty = try await AsyncTest.startParked {
                try await a.read(upTo: 10, deadline: .now + .milliseconds(50))
            }
            let error = try await AsyncTest.failure(of: hasty)
            #expect((error as? SocketError)?.kind == .timedOut)
            // A cancelled waiter's deadline must not fire on anyone else either.
            let cancelled = try await AsyncTest.startParked {
                try await a.read(upTo: 10, deadline: .now + .milliseconds(50))
            }
            cancelled.cancel()
            #expect(try await AsyncTest.failure(of: cancelled) is CancellationError)
            try await Task.sleep(for: .milliseconds(120))
            try b.sendAll(AsyncTest.bytes("for you"))
            #expect(try await AsyncTest.withTimeout { try await patient.value } == AsyncTest.bytes("for you"))
        }

        /// 10 000 reads that park with a deadline and complete normally leave nothing
        /// behind: once the socket is closed its registration — which every pending
        /// deadline entry and waiter retains — is freed, and no descriptor is left open.
        @Test func deadline_ManyCompletedOperations_LeaveNothingBehind() async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            weak var registration: ReactorRegistration?
            try await {
                let (a, b) = try Socket.pair()
                let rounds = 10_000
                try await AsyncTest.withTimeout(.seconds(30), "\(rounds) ping-pongs", onReactor: true) {
                    let echo = Task(executorPreference: Reactor.shared) {
                        for _ in 0..<rounds {
                            let byte = try await b.read(exactly: 1, deadline: .now + .seconds(20))
                            try await b.write(byte, deadline: .now + .seconds(20))
                        }
                    }
                    for round in 0..<rounds {
                        try await a.write([UInt8(truncatingIfNeeded: round)], deadline: .now + .seconds(20))
                        let back = try await a.read(exactly: 1, deadline: .now + .seconds(20))
                        #expect(back == [UInt8(truncatingIfNeeded: round)])
                    }
                    try await echo.value
                }
                registration = try a.registration()
                #expect(registration != nil)
                a.close()
                b.close()
            }()
            try #require(
                try await eventually(within: .seconds(5)) {
                    try await AsyncTest.reactorBarrier()
                    return registration == nil
                }, "the closed socket's registration is freed")
            await AsyncTest.expectDescriptors(backTo: baseline)
        }
    }
}
