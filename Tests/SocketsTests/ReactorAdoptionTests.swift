import TestSupport
import Testing

@testable import Sockets

extension AsyncTests {
    /// A reactor adopts the tasks without an executor preference that it starts or resumes
    /// (`Reactor.adopting`): a server's connection tasks run on their reactor without the
    /// preference's per-message cost.
    @Suite struct ReactorAdoptionTests {
        @Test func adopting_StartsATaskWithoutAPreference_OnTheReactor() async throws {
            let reactor = try Reactor()
            defer { reactor.shutdown() }
            let adopted = reactor.adopting { Task.detached { Reactor.current === reactor } }
            let elsewhere = Task.detached { Reactor.current === reactor }
            #expect(await adopted.value)
            #expect(await elsewhere.value == false)
        }

        @Test func adopting_KeepsTheOrderOfJobs_WithTheReactorsOwnTasks() async throws {
            let reactor = try Reactor()
            defer { reactor.shutdown() }
            let order = LockedValue<[Int]>([])
            // Both kinds queued from this thread, in turn: the loop runs them in that order.
            var tasks: [Task<Void, Never>] = []
            for index in 0..<20 {
                if index.isMultiple(of: 2) {
                    tasks.append(Task(executorPreference: reactor) { order.withLock { $0.append(index) } })
                } else {
                    tasks.append(reactor.adopting { Task.detached { order.withLock { $0.append(index) } } })
                }
            }
            for task in tasks { await task.value }
            #expect(order.withLock { $0 } == Array(0..<20))
        }

        @Test func socketOwner_WithoutAPreference_IsResumedOnItsSocketsReactor() async throws {
            let reactor = try Reactor()
            defer { reactor.shutdown() }
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            try a.register(with: reactor)
            let parked = AsyncGate()
            let reader = reactor.adopting {
                Task.detached {
                    a.claimOwnership()
                    parked.open()
                    let bytes = try await a.read(upTo: 10)
                    return (bytes, Reactor.current === reactor)
                }
            }
            await parked.wait()
            // The reader runs on the reactor's thread up to its park: once a job queued
            // after it has run there, it is parked.
            await Task(executorPreference: reactor) {}.value
            try b.sendAll(Array("hi".utf8))
            let (bytes, onReactor) = try await AsyncTest.withTimeout(.seconds(5), "the read") { try await reader.value }
            #expect(bytes == Array("hi".utf8))
            #expect(onReactor, "the owner went on on its socket's reactor")
        }

        @Test func socketReader_ThatDoesNotOwnIt_IsNotAdopted() async throws {
            let reactor = try Reactor()
            defer { reactor.shutdown() }
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            try a.register(with: reactor)
            let parked = AsyncGate()
            let reader = reactor.adopting {
                Task.detached {
                    parked.open()
                    let bytes = try await a.read(upTo: 10)
                    return (bytes, Reactor.current === reactor)
                }
            }
            await parked.wait()
            await Task(executorPreference: reactor) {}.value
            try b.sendAll(Array("hi".utf8))
            let (bytes, onReactor) = try await AsyncTest.withTimeout(.seconds(5), "the read") { try await reader.value }
            #expect(bytes == Array("hi".utf8))
            #expect(!onReactor, "a task that does not own the socket goes on on the global executor")
        }
    }
}
