import Services
import Synchronization
import TestSupport
import Testing

/// `OutboundQueue`: producers wait for space with a deadline; one consumer takes batches.
@Suite struct OutboundQueueTests {
    /// A queue with 11 units queued, over its bound of 10.
    private func overTheBound(patience: Duration) async throws -> OutboundQueue<String> {
        let queue = OutboundQueue<String>(limit: 10, patience: patience)
        #expect(try await queue.send("big", size: 11) == .queued)
        return queue
    }

    @Test func send_QueuesAtOnce_WhenNotOverTheBound() async throws {
        let queue = OutboundQueue<String>(limit: 10, patience: .seconds(60))
        #expect(try await queue.send("a", size: 4) == .queued)
        // Not over the bound yet: this one is taken even though it goes past.
        #expect(try await queue.send("b", size: 10) == .queued)
        #expect(queue.size == 14)
        var batch: [String] = []
        #expect(try await queue.nextBatch(into: &batch))
        #expect(batch == ["a", "b"])
        // The batch counts until the consumer asks for the next one.
        #expect(queue.size == 14)
    }

    @Test func send_WaitsWhileOverTheBound_AndQueues_WhenTheConsumerFreesSpace() async throws {
        let queue = try await overTheBound(patience: .seconds(60))
        let producer = Task { try await queue.send("next", size: 1) }
        #expect(await eventually(within: .seconds(2)) { queue.waitingProducerCount == 1 })

        var batch: [String] = []
        #expect(try await queue.nextBatch(into: &batch))
        #expect(batch == ["big"])
        // Taken but not yet written: still over the bound, the producer still waits.
        #expect(queue.waitingProducerCount == 1)

        #expect(try await queue.nextBatch(into: &batch))
        #expect(batch == ["next"])
        #expect(try await producer.value == .queued)
    }

    @Test func send_ResumesEveryWaitingProducer_WhenSpaceFrees() async throws {
        let queue = try await overTheBound(patience: .seconds(60))
        let producers = (0..<3).map { index in Task { try await queue.send("p\(index)", size: 1) } }
        #expect(await eventually(within: .seconds(2)) { queue.waitingProducerCount == 3 })

        var batch: [String] = []
        #expect(try await queue.nextBatch(into: &batch))
        var received: [String] = []
        while received.count < 3, try await queue.nextBatch(into: &batch) { received += batch }
        #expect(received.sorted() == ["p0", "p1", "p2"])
        for producer in producers { #expect(try await producer.value == .queued) }
    }

    @Test func send_ReturnsOverflowed_WhenTheQueueStaysOverTheBoundForThePatience() async throws {
        let start = ContinuousClock.now
        let queue = try await overTheBound(patience: .milliseconds(200))
        #expect(try await queue.send("late", size: 1) == .overflowed)
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(200))
        #expect(waited < .seconds(2))

        // Everything was dropped; the queue stays overflowed.
        #expect(queue.size == 0)
        var batch: [String] = []
        #expect(try await queue.nextBatch(into: &batch) == false)
        #expect(try await queue.send("after", size: 1) == .overflowed)
    }

    @Test func send_CountsThePatienceFromWhenTheQueueWentOver_WhenAProducerComesLate() async throws {
        let queue = try await overTheBound(patience: .milliseconds(400))
        let overAt = ContinuousClock.now
        let early = Task { try await queue.send("early", size: 1) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await queue.send("late", size: 1) == .overflowed)
        #expect(try await early.value == .overflowed)
        // The late producer did not wait a patience of its own.
        #expect(ContinuousClock.now - overAt < .milliseconds(400) + .milliseconds(150))
    }

    @Test func send_ThrowsCancellationError_WhenTheTaskIsCancelledWhileWaiting() async throws {
        let queue = try await overTheBound(patience: .seconds(60))
        let producer = Task { try await queue.send("cancelled", size: 1) }
        #expect(await eventually(within: .seconds(2)) { queue.waitingProducerCount == 1 })
        let cancelledAt = ContinuousClock.now
        producer.cancel()
        await #expect(throws: CancellationError.self) { try await producer.value }
        #expect(ContinuousClock.now - cancelledAt < .seconds(1))
        #expect(queue.waitingProducerCount == 0)

        // The element was not queued, and the queue still works.
        var batch: [String] = []
        #expect(try await queue.nextBatch(into: &batch))
        #expect(batch == ["big"])
        let consumer = Task {
            var next: [String] = []
            _ = try await queue.nextBatch(into: &next)
            return next
        }
        #expect(try await queue.send("after", size: 1) == .queued)
        #expect(try await consumer.value == ["after"])
    }

    @Test func send_ThrowsCancellationError_WhenTheTaskIsCancelledBeforeItWaits() async throws {
        let queue = try await overTheBound(patience: .seconds(60))
        let producer = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await queue.send("cancelled", size: 1)
        }
        await #expect(throws: CancellationError.self) { try await producer.value }
        #expect(queue.waitingProducerCount == 0)
    }

    @Test func finish_WakesWaitingProducers_AndTheConsumerDrainsWhatIsQueued() async throws {
        let queue = try await overTheBound(patience: .seconds(60))
        let producer = Task { try await queue.send("waiting", size: 1) }
        #expect(await eventually(within: .seconds(2)) { queue.waitingProducerCount == 1 })
        queue.finish()
        #expect(try await producer.value == .closed)
        #expect(try await queue.send("after", size: 1) == .closed)

        var batch: [String] = []
        #expect(try await queue.nextBatch(into: &batch))
        #expect(batch == ["big"])
        #expect(try await queue.nextBatch(into: &batch) == false)
    }

    @Test func finish_EndsAWaitingConsumer() async throws {
        let queue = OutboundQueue<String>(limit: 10)
        let consumer = Task {
            var batch: [String] = []
            return try await queue.nextBatch(into: &batch)
        }
        queue.finish()
        #expect(try await consumer.value == false)
    }

    @Test func close_DropsWhatIsQueued_AndWakesEveryone() async throws {
        let queue = try await overTheBound(patience: .seconds(60))
        let producer = Task { try await queue.send("waiting", size: 1) }
        #expect(await eventually(within: .seconds(2)) { queue.waitingProducerCount == 1 })
        queue.close()
        #expect(try await producer.value == .closed)
        var batch: [String] = []
        #expect(try await queue.nextBatch(into: &batch) == false)
        #expect(queue.size == 0)
    }

    @Test func nextBatch_WaitsForAnElement_ThenReturnsIt() async throws {
        let queue = OutboundQueue<String>(limit: 10)
        let consumer = Task {
            var batch: [String] = []
            _ = try await queue.nextBatch(into: &batch)
            return batch
        }
        #expect(try await queue.send("hello", size: 5) == .queued)
        #expect(try await consumer.value == ["hello"])
    }

    @Test func nextBatch_ThrowsCancellationError_WhenTheTaskIsCancelledWhileWaiting() async throws {
        let queue = OutboundQueue<String>(limit: 10)
        let consumer = Task {
            var batch: [String] = []
            return try await queue.nextBatch(into: &batch)
        }
        consumer.cancel()
        await #expect(throws: CancellationError.self) { try await consumer.value }
    }

    @Test func sendWithoutWaiting_QueuesOverTheBound_ButOverflows_AfterThePatience() async throws {
        let queue = try await overTheBound(patience: .milliseconds(100))
        let overAt = ContinuousClock.now
        #expect(queue.sendWithoutWaiting("notice", size: 5) == .queued)
        #expect(queue.size == 16)
        try await Task.sleep(until: overAt + .milliseconds(100))
        #expect(queue.sendWithoutWaiting("notice", size: 5) == .overflowed)
        #expect(queue.size == 0)
    }

    @Test func send_KeepsEachProducersOrder_AndLosesNothing_WhenManyProducersContend() async throws {
        let queue = OutboundQueue<Int>(limit: 16, patience: .seconds(60))
        let producers = 4
        let perProducer = 20_000
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for index in 0..<perProducer {
                        let result = try await queue.send(producer * perProducer + index, size: 1)
                        #expect(result == .queued)
                    }
                }
            }
            var next = [Int](repeating: 0, count: producers)
            var batch: [Int] = []
            var received = 0
            while received < producers * perProducer, try await queue.nextBatch(into: &batch) {
                #expect(batch.count <= 16 + producers)
                for element in batch {
                    let (producer, index) = element.quotientAndRemainder(dividingBy: perProducer)
                    #expect(index == next[producer])
                    next[producer] = index + 1
                }
                received += batch.count
            }
            #expect(received == producers * perProducer)
            try await group.waitForAll()
        }
        #expect(ContinuousClock.now - start < .seconds(20))
    }
}
