import Sockets
import Synchronization

/// The outgoing queue of one recipient, bounded: producers wait for space, with a
/// deadline, and one consumer writes what is queued in batches.
///
/// The queue is *over its bound* while the size of what it holds — the batch the
/// consumer is writing included — is more than ``limit``. A producer that finds it
/// over its bound waits in ``send(_:size:)`` (its caller stops reading, so TCP slows
/// its own peer down) until the consumer frees space. A queue that stays over its
/// bound for ``patience`` overflows: it drops what it holds, and every producer learns
/// it (the recipient is too slow and should be disconnected). A producer that finds
/// room never waits: it appends, even past the bound, so memory stays within
/// ``limit`` plus one element per producer.
///
/// The consumer takes everything queued at once with ``nextBatch(into:)``; asking for
/// the next batch releases the previous one (it has been written).
///
/// ```swift
/// // Producer (a member's read loop):
/// if try await queue.send(line, size: line.utf8.count) == .overflowed { recipient.close() }
/// // Consumer (the recipient's writer):
/// var batch: [String] = []
/// while try await queue.nextBatch(into: &batch) { try await connection.write(encode(batch)) }
/// ```
public final class OutboundQueue<Element: Sendable>: Sendable {
    /// What became of an element given to ``send(_:size:)`` or ``sendWithoutWaiting(_:size:)``.
    public enum SendResult: Sendable, Equatable {
        /// The element is queued.
        case queued
        /// The queue stayed over its bound for ``OutboundQueue/patience`` and dropped
        /// everything; the element was dropped too.
        case overflowed
        /// The queue was finished or closed; the element was dropped.
        case closed
    }

    /// The size above which producers wait.
    public let limit: Int
    /// How long the queue may stay over its bound before it overflows.
    public let patience: Duration

    private enum Phase {
        case open, finishing, overflowed, closed
    }

    /// Why a parked producer was resumed.
    private enum Wake {
        case space, overflowed, closed, cancelled
    }

    private struct Producer {
        let id: UInt64
        let continuation: CheckedContinuation<Wake, Never>
    }

    private struct State {
        var phase = Phase.open
        var elements: [Element] = []
        var queuedSize = 0
        /// The size of the batch the consumer took last, released when it asks again.
        var batchSize = 0
        /// When the queue last went over its bound; nil while it is not over it.
        var overSince: ContinuousClock.Instant?
        var producers: [Producer] = []
        var consumer: CheckedContinuation<Void, Never>?
        var lastProducerID: UInt64 = 0

        var size: Int { queuedSize + batchSize }

        mutating func takeConsumer() -> CheckedContinuation<Void, Never>? {
            defer { consumer = nil }
            return consumer
        }
    }

    private let state = LockedValue(State())

    /// Creates an empty, open queue.
    ///
    /// - Parameters:
    ///   - limit: The size above which producers wait (in the unit of the sizes given
    ///     to ``send(_:size:)``, bytes for a chat room).
    ///   - patience: How long the queue may stay over `limit` before it overflows.
    public init(limit: Int, patience: Duration = .seconds(5)) {
        self.limit = limit
        self.patience = patience
    }

    /// The size of what the queue holds, the consumer's current batch included.
    public var size: Int { state.withLock { $0.size } }

    /// How many producers are waiting for space.
    public var waitingProducerCount: Int { state.withLock { $0.producers.count } }

    /// Queues `element`, first waiting while the queue is over its bound.
    ///
    /// Returns at once when the queue is not over its bound. Otherwise waits until the
    /// consumer frees space, the queue overflows (it has been over its bound for
    /// ``patience``, counted from when it went over), or it is finished or closed.
    /// Several producers may wait at once; each resumes when space frees.
    ///
    /// - Parameter size: What the element counts against ``limit``.
    /// - Throws: `CancellationError` if the task is cancelled while it waits (the
    ///   element is not queued).
    public func send(_ element: Element, size: Int) async throws(CancellationError) -> SendResult {
        while true {
            let outcome = state.withLock { state in
                tryAppend(element, size: size, &state, waiting: true)
            }
            if let result = complete(outcome) { return result }
            if case .mustWait(let deadline) = outcome {
                switch await waitForSpace(until: deadline) {
                case .space: continue
                case .overflowed: return .overflowed
                case .closed: return .closed
                case .cancelled: throw CancellationError()
                }
            }
        }
    }

    /// Queues `element` without waiting, even over the bound; for what a producer
    /// cannot wait for (a notice sent while it leaves).
    ///
    /// A queue over its bound for ``patience`` or longer overflows here instead.
    ///
    /// - Parameter size: What the element counts against ``limit``.
    public func sendWithoutWaiting(_ element: Element, size: Int) -> SendResult {
        let outcome = state.withLock { state in
            tryAppend(element, size: size, &state, waiting: false)
        }
        guard let result = complete(outcome) else { preconditionFailure("a send without waiting waited") }
        return result
    }

    /// Resumes whom an append outcome names (outside the lock) and returns the send's
    /// result; nil when the producer must wait.
    private func complete(_ outcome: AppendOutcome) -> SendResult? {
        switch outcome {
        case .done(let result, let consumer):
            consumer?.resume()
            return result
        case .overflowed(let producers, let consumer):
            resume(producers, consumer, with: .overflowed)
            return .overflowed
        case .mustWait:
            return nil
        }
    }

    /// Moves every queued element into `batch` (replacing what it held), waiting while
    /// there is none. Calling it again releases the batch it returned before.
    ///
    /// - Returns: False when there will be no more: the queue was finished and is
    ///   empty, or it overflowed or was closed.
    /// - Throws: `CancellationError` if the task is cancelled while it waits.
    public func nextBatch(into batch: inout [Element]) async throws(CancellationError) -> Bool {
        batch.removeAll(keepingCapacity: true)
        while true {
            let (result, woken) = state.withLock { state -> (Bool?, [Producer]) in
                state.batchSize = 0
                let woken = takeProducersIfUnderBound(&state)
                switch state.phase {
                case .overflowed, .closed:
                    return (false, woken)
                case .open, .finishing:
                    if !state.elements.isEmpty {
                        swap(&batch, &state.elements)
                        state.batchSize = state.queuedSize
                        state.queuedSize = 0
                        return (true, woken)
                    }
                    return (state.phase == .finishing ? false : nil, woken)
                }
            }
            for producer in woken { producer.continuation.resume(returning: .space) }
            if let result { return result }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let parked = state.withLock { state in
                        guard !Task.isCancelled, state.phase == .open, state.elements.isEmpty else { return false }
                        state.consumer = continuation
                        return true
                    }
                    if !parked { continuation.resume() }
                }
            } onCancel: {
                state.withLock { $0.takeConsumer() }?.resume()
            }
            if Task.isCancelled { throw CancellationError() }
        }
    }

    /// No more elements will be sent: the consumer gets what is queued, then `false`;
    /// waiting producers resume with ``SendResult/closed``.
    public func finish() {
        end(.finishing)
    }

    /// Drops what is queued and ends the queue: the consumer gets `false`, waiting
    /// producers resume with ``SendResult/closed``.
    public func close() {
        end(.closed)
    }

    // MARK: Internals

    private enum AppendOutcome {
        case done(SendResult, consumer: CheckedContinuation<Void, Never>?)
        case overflowed([Producer], consumer: CheckedContinuation<Void, Never>?)
        case mustWait(until: ContinuousClock.Instant)
    }

    /// Appends unless the queue is over its bound (and `waiting` allows to wait); a
    /// queue over its bound past its patience overflows.
    private func tryAppend(_ element: Element, size: Int, _ state: inout State, waiting: Bool) -> AppendOutcome {
        switch state.phase {
        case .finishing, .closed: return .done(.closed, consumer: nil)
        case .overflowed: return .done(.overflowed, consumer: nil)
        case .open: break
        }
        if let overSince = state.overSince {
            let deadline = overSince + patience
            if ContinuousClock.now >= deadline {
                let (producers, consumer) = overflow(&state)
                return .overflowed(producers, consumer: consumer)
            }
            if waiting { return .mustWait(until: deadline) }
        }
        state.elements.append(element)
        state.queuedSize += size
        if state.overSince == nil && state.size > limit { state.overSince = .now }
        return .done(.queued, consumer: state.takeConsumer())
    }

    /// Parks the calling producer until space frees, the deadline passes, the queue
    /// ends, or the task is cancelled. A child task sleeps until the deadline.
    private func waitForSpace(until deadline: ContinuousClock.Instant) async -> Wake {
        let id = state.withLock { state in
            state.lastProducerID &+= 1
            return state.lastProducerID
        }
        return await withTaskGroup(of: Void.self, returning: Wake.self) { group in
            group.addTask {
                var wakeUp = deadline
                while (try? await Task.sleep(until: wakeUp, clock: .continuous)) != nil {
                    guard let later = self.overflowIfDue(waitingProducer: id) else { return }
                    wakeUp = later
                }
            }
            let wake = await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
                    var overflowed: ([Producer], CheckedContinuation<Void, Never>?)?
                    let immediate: Wake? = state.withLock { state in
                        if Task.isCancelled { return .cancelled }
                        switch state.phase {
                        case .finishing, .closed: return .closed
                        case .overflowed: return .overflowed
                        case .open: break
                        }
                        // Space freed (and maybe filled again) since the check in `send`.
                        guard let overSince = state.overSince, overSince + patience == deadline else { return .space }
                        // The sleeper may have woken before this producer parked (it runs on
                        // another thread) and found no one to overflow for: do it here.
                        if ContinuousClock.now >= deadline {
                            overflowed = overflow(&state)
                            return .overflowed
                        }
                        state.producers.append(Producer(id: id, continuation: continuation))
                        return nil
                    }
                    if let (producers, consumer) = overflowed { resume(producers, consumer, with: .overflowed) }
                    if let immediate { continuation.resume(returning: immediate) }
                }
            } onCancel: {
                let producer = state.withLock { state -> Producer? in
                    guard let index = state.producers.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.producers.remove(at: index)
                }
                producer?.continuation.resume(returning: .cancelled)
            }
            group.cancelAll()
            return wake
        }
    }

    /// Called when a waiting producer's deadline passes: overflows the queue if that
    /// producer is still waiting and the queue has been over its bound for ``patience``.
    ///
    /// - Returns: When to check again if not yet; nil when done.
    private func overflowIfDue(waitingProducer id: UInt64) -> ContinuousClock.Instant? {
        let (later, producers, consumer) = state.withLock {
            state -> (ContinuousClock.Instant?, [Producer], CheckedContinuation<Void, Never>?) in
            guard state.phase == .open, state.producers.contains(where: { $0.id == id }),
                let overSince = state.overSince
            else { return (nil, [], nil) }
            let deadline = overSince + patience
            guard ContinuousClock.now >= deadline else { return (deadline, [], nil) }
            let (producers, consumer) = overflow(&state)
            return (nil, producers, consumer)
        }
        resume(producers, consumer, with: .overflowed)
        return later
    }

    /// Drops everything; returns who must be resumed (outside the lock).
    private func overflow(_ state: inout State) -> ([Producer], CheckedContinuation<Void, Never>?) {
        state.phase = .overflowed
        state.elements.removeAll()
        state.queuedSize = 0
        state.overSince = nil
        defer { state.producers.removeAll() }
        return (state.producers, state.takeConsumer())
    }

    /// Once the queue is no longer over its bound: the waiting producers, to resume.
    private func takeProducersIfUnderBound(_ state: inout State) -> [Producer] {
        guard state.overSince != nil, state.size <= limit else { return [] }
        state.overSince = nil
        defer { state.producers = [] }
        return state.producers
    }

    private func end(_ phase: Phase) {
        let (producers, consumer) = state.withLock { state -> ([Producer], CheckedContinuation<Void, Never>?) in
            guard state.phase == .open || (state.phase == .finishing && phase == .closed) else { return ([], nil) }
            state.phase = phase
            if phase == .closed {
                state.elements.removeAll()
                state.queuedSize = 0
            }
            state.overSince = nil
            defer { state.producers = [] }
            return (state.producers, state.takeConsumer())
        }
        resume(producers, consumer, with: .closed)
    }

    private func resume(_ producers: [Producer], _ consumer: CheckedContinuation<Void, Never>?, with wake: Wake) {
        for producer in producers { producer.continuation.resume(returning: wake) }
        consumer?.resume()
    }
}
