import CSockets
import SocketsSystem
import Synchronization

/// One socket's membership in a ``Reactor``: its readiness and the tasks waiting on it.
///
/// The socket is registered once, edge-triggered, for input and output. Each
/// direction has a readiness *sequence* the reactor bumps on every event. An
/// operation notes the sequence, tries its system call, and on `EAGAIN` parks
/// only if the sequence has not moved since — so an event that lands between the
/// call and the park is never lost, and an idle socket costs nothing.
///
/// `public` with only `package` members, like ``LockedValue``: Swift inlines the
/// `@inlinable` members of a `package` type into no other module.
public final class ReactorRegistration: Sendable {
    /// The two directions an operation can wait for.
    public enum Direction: Sendable {
        /// Input: data, a connection to accept, the end of the stream.
        case read
        /// Output: room in the send buffer, a connect that completed.
        case write
    }

    /// A parked task.
    package struct Waiter: Sendable {
        let id: UInt64
        let continuation: UnsafeContinuation<Void, any Error>
        let deadline: ReactorDeadline?
        /// The waiting call (`read`, `accept`, …), named in the error that ends the wait.
        let operation: String
        /// Whether the owner's cancellation reaches it through ``cancelOwnerWaits()``
        /// rather than a cancellation handler of its own.
        let isOwned: Bool
        /// For an owner's read: what the reactor runs for each input event instead of
        /// resuming it (``waitRunningInline(after:_:)``).
        let inline: (any InlineReader)?
    }

    private struct State: Sendable {
        var readers = WaiterList()
        var writers = WaiterList()
        var closed = false
        /// Set by ``cancelOwnerWaits()``: the owner's waits end with `CancellationError`.
        var ownerCancelled = false
        /// The owner's inline waiter, first among the readers, is running its reader on the
        /// reactor (``runInline(_:)``): only the reactor resumes it until it is done —
        /// closing and cancelling leave it parked meanwhile, so that its reader never runs
        /// after its task went on.
        var inlineRunning = false

        /// Takes the waiter whose reader is running inline out of `readers`, for the
        /// duration of a change to the others (``restoreRunningInline(_:)`` puts it back).
        mutating func setAsideRunningInline() -> Waiter? {
            inlineRunning ? readers.popFirst() : nil
        }

        mutating func restoreRunningInline(_ waiter: consuming Waiter?) {
            if let waiter { readers.prepend(waiter) }
        }
    }

    package let reactor: Reactor
    /// Slab index and generation, carried in epoll's user data.
    package let token: UInt64
    /// Bumped by the reactor on each input-side event (data, end of stream, hang-up, error).
    package let readSequence = Atomic<UInt64>(0)
    /// Bumped by the reactor on each output-side event.
    package let writeSequence = Atomic<UInt64>(0)
    /// The read sequence at which a stream read came back short, i.e. drained the socket:
    /// until the sequence moves, another read would only return `EAGAIN` — unless the
    /// peer has closed its side, which ``inputEnded`` records.
    package let drainedAtReadSequence = Atomic<UInt64>(.max)
    /// Set (before the sequence moves) once an event reported end of input, hang-up or
    /// an error: from then on a read never relies on ``drainedAtReadSequence``, because
    /// the end of stream it must still see will not raise another event.
    package let inputEnded = Atomic<Bool>(false)
    /// The task that owns the socket (``claimOwnership()``), as the address of its task (``currentTaskAddress``),
    /// or 0. Its waits install no cancellation handler — adding and removing one takes the
    /// task's status lock on every wait, a tenth of a message's work — so whoever cancels the
    /// owner must call ``cancelOwnerWaits()`` (a server does, for its connection tasks).
    @usableFromInline
    package let owner = Atomic<Int>(0)
    private let state = InlineLockedValue(State())
    /// The address of the inline reader the owner last parked with, or 0: only ever
    /// prefetched (``prefetch()``), so it may be stale.
    private let inlineReaderAddress = Atomic<UInt>(0)
    @usableFromInline
    package let nextWaiterID = Atomic<UInt64>(0)

    package init(reactor: Reactor, token: UInt64) {
        self.reactor = reactor
        self.token = token
    }

    /// Whether a read may skip its system call and park at once: the last read drained
    /// the socket at `sequence` and nothing has happened since.
    @inline(__always)
    package func isDrained(at sequence: UInt64) -> Bool {
        sequence == drainedAtReadSequence.load(ordering: .relaxed) && !inputEnded.load(ordering: .acquiring)
    }

    package func sequence(_ direction: Direction) -> UInt64 {
        switch direction {
        case .read: return readSequence.load(ordering: .acquiring)
        case .write: return writeSequence.load(ordering: .acquiring)
        }
    }

    /// Suspends until an event for `direction` arrives after `sequence` was observed.
    ///
    /// Inlined into the calling read or write: as a call of its own, the task would switch
    /// to its executor on entry, and that switch takes the task's status lock (it looks up
    /// the task's executor preference) on every message.
    ///
    /// - Throws: `SocketError.closed` if the socket is closed while waiting,
    ///   `SocketError.timedOut` at `deadline`, `CancellationError` if the task is cancelled.
    @inlinable
    package func wait(
        for direction: Direction, after sequence: UInt64,
        deadline: ContinuousClock.Instant?, operation: String
    ) async throws {
        if isOwnedByCurrentTask {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                park(continuation, for: direction, after: sequence, deadline: deadline, operation: operation, isOwned: true)
            }
        } else {
            try await waitWithCancellationHandler(for: direction, after: sequence, deadline: deadline, operation: operation)
        }
    }

    /// Parks the owner (the calling task must be it) until `inline`, which the reactor runs
    /// on its thread for every input event after `sequence`, returns true; or at once, when
    /// an event came after `sequence` (the caller then reads itself).
    ///
    /// - Throws: `SocketError.closed` if the socket is closed while waiting,
    ///   `CancellationError` if the owner's waits are cancelled (``cancelOwnerWaits()``).
    package func waitRunningInline(after sequence: UInt64, _ inline: any InlineReader) async throws {
        inlineReaderAddress.store(UInt(bitPattern: ObjectIdentifier(inline)), ordering: .relaxed)
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            let id = nextWaiterID.add(1, ordering: .relaxed).newValue
            park(
                continuation, id: id, for: .read, after: sequence, deadline: nil, operation: "read", isOwned: true,
                inline: inline)
        }
    }

    /// ``wait(for:after:deadline:operation:)`` for a task other than the owner.
    @usableFromInline
    @inline(never)
    package func waitWithCancellationHandler(
        for direction: Direction, after sequence: UInt64,
        deadline: ContinuousClock.Instant?, operation: String
    ) async throws {
        let id = nextWaiterID.add(1, ordering: .relaxed).newValue
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                park(
                    continuation, id: id, for: direction, after: sequence, deadline: deadline, operation: operation,
                    isOwned: false)
            }
        } onCancel: {
            cancel(id, direction)
        }
    }

    // MARK: Ownership

    /// Makes the calling task the owner until ``releaseOwnership()``: its waits rely on
    /// ``cancelOwnerWaits()`` instead of a cancellation handler each.
    package func claimOwnership() {
        owner.store(Self.currentTaskAddress, ordering: .relaxed)
    }

    /// Ends the ownership; call from the owner before it ends, so that no later task at
    /// the same address is taken for it.
    package func releaseOwnership() {
        owner.store(0, ordering: .relaxed)
    }

    /// Ends the owner's parked waits, and every later one, with `CancellationError`: the
    /// owner is being cancelled.
    package func cancelOwnerWaits() {
        let woken = state.withLock { state in
            state.ownerCancelled = true
            let running = state.setAsideRunningInline()
            defer { state.restoreRunningInline(running) }
            return state.readers.takeOwned() + state.writers.takeOwned()
        }
        for waiter in woken {
            waiter.deadline?.cancel()
            waiter.continuation.resume(throwing: CancellationError())
        }
    }

    @usableFromInline
    @inline(__always)
    package var isOwnedByCurrentTask: Bool {
        let owner = owner.load(ordering: .relaxed)
        return owner != 0 && Self.currentTaskAddress == owner
    }

    /// The address of the current task, or 0 outside one.
    @usableFromInline
    @inline(__always)
    package static var currentTaskAddress: Int {
        Int(bitPattern: csockets_current_task())
    }

    /// Parks `continuation` as the owner's next waiter (see
    /// ``park(_:id:for:after:deadline:operation:isOwned:)``).
    @usableFromInline
    @inline(never)
    package func park(
        _ continuation: UnsafeContinuation<Void, any Error>, for direction: Direction,
        after sequence: UInt64, deadline: ContinuousClock.Instant?, operation: String, isOwned: Bool
    ) {
        let id = nextWaiterID.add(1, ordering: .relaxed).newValue
        park(continuation, id: id, for: direction, after: sequence, deadline: deadline, operation: operation, isOwned: isOwned)
    }

    /// Parks `continuation` as waiter `id`, or resumes it at once when the wait is already
    /// over (an event came, the socket closed, the task was cancelled, the deadline passed).
    ///
    /// Never inlined into ``wait(for:after:deadline:operation:)``: its locals then live on
    /// the thread's stack, not in the async frame that every parked connection keeps.
    @inline(never)
    private func park(
        _ continuation: UnsafeContinuation<Void, any Error>, id: UInt64, for direction: Direction,
        after sequence: UInt64, deadline: ContinuousClock.Instant?, operation: String, isOwned: Bool,
        inline: (any InlineReader)? = nil
    ) {
        let timer = deadline.map { ReactorDeadline(at: $0, registration: self, waiterID: id, direction: direction) }
        enum Outcome { case parked, ready, closed, cancelled, expired }
        let outcome: Outcome = state.withLock { state in
            if state.closed { return .closed }
            if self.sequence(direction) != sequence { return .ready }
            if csockets_current_task_is_cancelled() || (isOwned && state.ownerCancelled) { return .cancelled }
            if let deadline, deadline <= .now { return .expired }
            let waiter = Waiter(
                id: id, continuation: continuation, deadline: timer, operation: operation, isOwned: isOwned,
                inline: inline)
            switch direction {
            case .read: state.readers.append(waiter)
            case .write: state.writers.append(waiter)
            }
            // Scheduled under the lock, so the timer is counted live before anyone
            // can find the waiter and cancel it.
            if let timer { reactor.schedule(timer) }
            return .parked
        }
        switch outcome {
        case .parked: break
        case .ready: continuation.resume()
        case .closed: continuation.resume(throwing: SocketError(.closed, operation: operation))
        case .cancelled: continuation.resume(throwing: CancellationError())
        case .expired: continuation.resume(throwing: SocketError(.timedOut, operation: operation))
        }
    }

    /// Starts loading this object, with its lock and waiters, into the cache, for an event
    /// handled a little later.
    ///
    /// With a thousand connections, a connection's memory has left the cache by its next
    /// event; the reactor therefore loads, while it handles one event, the memory of the
    /// next few (this four events ahead, ``prefetchReader()`` two): their misses overlap
    /// the system calls instead of stalling each event in turn.
    @inline(__always)
    package func prefetch() {
        let lines = Int32(truncatingIfNeeded: (MemoryLayout<State>.size + 160 + 63) / 64)
        csockets_prefetch(UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()), lines)
    }

    /// Starts loading into the cache the inline reader parked on this registration (see
    /// ``prefetch()``).
    @inline(__always)
    package func prefetchReader() {
        let reader = inlineReaderAddress.load(ordering: .relaxed)
        if reader != 0 { csockets_prefetch(UnsafeRawPointer(bitPattern: reader), 2) }
    }

    /// Called by the reactor thread for an epoll event.
    package func handle(readable: Bool, writable: Bool, ended: Bool) {
        if ended { inputEnded.store(true, ordering: .releasing) }
        if readable { readSequence.add(1, ordering: .releasing) }
        if writable { writeSequence.add(1, ordering: .releasing) }
        // The usual event of a busy server: its connection's owner parked with an inline
        // reader, nobody waiting to write. The waiter then stays in its list: copying one
        // out and back costs retains, releases and value-witness calls on every message.
        let inline: (any InlineReader)? = state.withLock { state in
            guard readable, !writable || state.writers.isEmpty, let reader = state.readers.soleInlineReader else {
                return nil
            }
            state.inlineRunning = true
            return reader
        }
        if let inline {
            runInline(inline)
        } else {
            wakeWaiters(readable: readable, writable: writable)
        }
    }

    /// Runs the owner's inline reader, its waiter parked first among the readers meanwhile
    /// (see `State.inlineRunning`); then resumes the owner if the reader asks for it, the
    /// socket was closed or the owner cancelled.
    private func runInline(_ inline: any InlineReader) {
        let mustResume = inline.readInline()
        // Only this thread bumps the read sequence: an event after the reader's last
        // receive is handled after this, and finds the waiter parked.
        var woken: Waiter?
        let (closed, cancelled) = state.withLock { state in
            state.inlineRunning = false
            guard mustResume || state.closed || state.ownerCancelled else { return (false, false) }
            woken = state.readers.popFirst()
            return (state.closed, state.ownerCancelled)
        }
        guard let waiter = woken else { return }
        if closed {
            waiter.continuation.resume(throwing: SocketError(.closed, operation: waiter.operation))
        } else if cancelled {
            waiter.continuation.resume(throwing: CancellationError())
        } else {
            resume(waiter)
        }
    }

    /// Resumes every waiter for the event's directions, except an owner's inline reader:
    /// that runs as in ``runInline(_:)``, its waiter parked meanwhile.
    @inline(never)
    private func wakeWaiters(readable: Bool, writable: Bool) {
        // Swapped out whole under the lock, and nothing returned through it (a returned
        // list is copied and destroyed through its value witnesses).
        var readers = WaiterList()
        var writers = WaiterList()
        let inline: (any InlineReader)? = state.withLock { state in
            if readable { swap(&readers, &state.readers) }
            if writable { swap(&writers, &state.writers) }
            guard let owner = readers.takeInlineReader() else { return nil }
            let reader = owner.inline
            state.readers.append(owner)
            state.inlineRunning = true
            return reader
        }
        while let waiter = readers.popFirst() { resume(waiter) }
        writers.forEach(resume)
        if let inline { runInline(inline) }
    }

    /// Resumes a waiter for an event, on the reactor's loop thread: the owner's task, if it
    /// has no executor preference, goes on on this reactor (``Reactor/adopting(_:)``).
    private func resume(_ waiter: Waiter) {
        waiter.deadline?.cancel()
        if waiter.isOwned {
            reactor.adopting { waiter.continuation.resume() }
        } else {
            waiter.continuation.resume()
        }
    }

    /// Resumes waiter `id` with `CancellationError`, if it is still parked.
    package func cancel(_ id: UInt64, _ direction: Direction) {
        remove(id, direction)?.continuation.resume(throwing: CancellationError())
    }

    /// Resumes a waiter whose deadline passed with `timedOut`.
    package func expire(_ id: UInt64, _ direction: Direction) {
        guard let waiter = remove(id, direction) else { return }
        waiter.continuation.resume(throwing: SocketError(.timedOut, operation: waiter.operation))
    }

    /// Marks the registration closed and resumes every waiter with `closed`.
    package func close() {
        let woken = state.withLock { state in
            state.closed = true
            let running = state.setAsideRunningInline()
            defer { state.restoreRunningInline(running) }
            var woken = WaiterList()
            woken.take(from: &state.readers)
            woken.take(from: &state.writers)
            return woken
        }
        woken.forEach { waiter in
            waiter.deadline?.cancel()
            waiter.continuation.resume(throwing: SocketError(.closed, operation: waiter.operation))
        }
    }

    private func remove(_ id: UInt64, _ direction: Direction) -> Waiter? {
        let waiter = state.withLock { state in
            switch direction {
            case .read:
                let running = state.setAsideRunningInline()
                defer { state.restoreRunningInline(running) }
                return state.readers.remove(id)
            case .write: return state.writers.remove(id)
            }
        }
        waiter?.deadline?.cancel()
        return waiter
    }
}

/// A list of waiters that does not allocate for the usual single waiter.
package struct WaiterList: Sendable {
    private var first: ReactorRegistration.Waiter?
    private var rest: [ReactorRegistration.Waiter] = []

    package mutating func append(_ waiter: consuming ReactorRegistration.Waiter) {
        if first == nil { first = waiter } else { rest.append(waiter) }
    }

    /// Puts `waiter` before the others.
    package mutating func prepend(_ waiter: consuming ReactorRegistration.Waiter) {
        if let current = first.take() { rest.insert(current, at: 0) }
        first = waiter
    }

    /// Whether no task waits.
    package var isEmpty: Bool { first == nil }

    /// Removes and returns the first waiter that reads inline (the owner's), if any.
    package mutating func takeInlineReader() -> ReactorRegistration.Waiter? {
        if first?.inline != nil { return popFirst() }
        guard let index = rest.firstIndex(where: { $0.inline != nil }) else { return nil }
        return rest.remove(at: index)
    }

    /// The inline reader of the only waiter, if there is one waiter and it reads inline.
    package var soleInlineReader: (any InlineReader)? {
        rest.isEmpty ? first?.inline : nil
    }

    package mutating func remove(_ id: UInt64) -> ReactorRegistration.Waiter? {
        if let waiter = first, waiter.id == id {
            first = rest.isEmpty ? nil : rest.removeFirst()
            return waiter
        }
        guard let index = rest.firstIndex(where: { $0.id == id }) else { return nil }
        return rest.remove(at: index)
    }

    /// Removes and returns the first waiter, moved out.
    package mutating func popFirst() -> ReactorRegistration.Waiter? {
        guard let waiter = first.take() else { return nil }
        if !rest.isEmpty { first = rest.removeFirst() }
        return waiter
    }

    /// Returns the list and leaves this one empty.
    package mutating func takeAll() -> WaiterList {
        var taken = WaiterList()
        swap(&taken, &self)
        return taken
    }

    /// Removes and returns the owner's waiters (see ``ReactorRegistration/cancelOwnerWaits()``).
    package mutating func takeOwned() -> [ReactorRegistration.Waiter] {
        var owned: [ReactorRegistration.Waiter] = []
        var others = WaiterList()
        takeAll().forEach { waiter in
            if waiter.isOwned { owned.append(waiter) } else { others.append(waiter) }
        }
        self = others
        return owned
    }

    /// Moves every waiter of `other` into this list.
    package mutating func take(from other: inout WaiterList) {
        if let waiter = other.first { append(waiter) }
        for waiter in other.rest { append(waiter) }
        other.first = nil
        if !other.rest.isEmpty { other.rest.removeAll() }
    }

    package func forEach(_ body: (ReactorRegistration.Waiter) -> Void) {
        if let first { body(first) }
        for waiter in rest { body(waiter) }
    }
}
