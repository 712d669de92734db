import CSockets
import DequeModule
import SocketsSystem
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// An epoll event loop on its own thread, and a task executor running on that thread.
///
/// Sockets register with it on their first asynchronous wait. The loop waits for
/// events, bumps each socket's readiness and resumes the tasks parked on it, fires
/// deadlines, and runs the jobs of tasks that prefer it as their executor
/// (`Task(executorPreference: reactor)`) and of the tasks it adopts when it resumes
/// them (a socket's owner without a preference, see `adopting(_:)`). Connection tasks
/// that run here never change threads: an event, the read, the reply and the next park
/// all happen on this one thread without a wake-up in between.
///
/// A socket registers, on its first wait, with the reactor whose thread the task
/// runs on (``current``), else with ``shared``; it stays there for its life. A server
/// spreads its connections over a ``ReactorGroup``. A reactor made with ``init()`` owns
/// a thread and two descriptors until ``shutdown()``.
public final class Reactor: TaskExecutor, Sendable {
    /// The process-wide reactor, started on first use; it cannot be shut down.
    ///
    /// Failing to start it (no descriptor or thread left at that moment) is fatal: no
    /// socket could wait for anything.
    public static let shared: Reactor = {
        do {
            return try Reactor(isShutdownable: false)
        } catch {
            fatalError("Sockets: cannot start the shared reactor: \(error)")
        }
    }()

    /// The epoll instance. The loop thread uses it without acquiring (only that thread closes
    /// it); other threads acquire it, so a descriptor number closed by ``shutdown()`` and
    /// reused by another file is never handed to `epoll_ctl`.
    private let epollDescriptor: SharedDescriptor
    /// The eventfd that wakes the loop; acquired by every writer for the same reason.
    private let wakeDescriptor: SharedDescriptor
    private let isShutdownable: Bool
    private let slab = LockedValue(RegistrationSlab())
    private let jobs = LockedValue(JobQueue())
    /// Whether ``jobs`` may hold jobs: set under its lock by each job from another thread,
    /// cleared under it when the loop takes them, so that a loop iteration without such jobs
    /// takes no lock to find out.
    private let hasRemoteJobs = Atomic<Bool>(false)
    /// Jobs enqueued by the loop thread itself — a task resumed by an event, on this
    /// reactor, is queued here without the lock of ``jobs``.
    ///
    /// `nonisolated(unsafe)`: only the loop thread touches it (``enqueue(_:)`` checks
    /// ``isCurrentThread``; ``runJobs(_:_:)``, ``run()`` and ``stop()`` are that thread),
    /// so no two threads ever access it.
    @exclusivity(unchecked) private nonisolated(unsafe) var localJobs = Deque<ReactorJob>(minimumCapacity: 256)
    /// Set by ``stop()`` on the loop thread: its own jobs go to the global executor from then on.
    @exclusivity(unchecked) private nonisolated(unsafe) var isLocallyStopped = false
    private let deadlines = LockedValue(DeadlineHeap())
    /// Scheduled deadlines not yet fired or cancelled. Kept outside the heap's lock so that
    /// finishing an operation takes no lock, and a loop iteration without live deadlines
    /// reads no clock after its wait.
    private let liveDeadlines = Atomic<Int>(0)
    /// Set when a deadline is cancelled, so that a loop iteration without live deadlines
    /// sweeps the heap once rather than looking at it every time.
    private let deadlinesToSweep = Atomic<Bool>(false)
    /// True while the loop is about to block or blocked in `epoll_wait`: a job from another
    /// thread must then write the eventfd.
    private let polling = Atomic<Bool>(false)
    /// Set by ``shutdown()``; the loop ends at its next turn.
    private let stopRequested = Atomic<Bool>(false)
    /// Receive memory for tasks on the reactor thread; used only between a read and the
    /// synchronous code that consumes it, never across a suspension.
    ///
    /// `nonisolated(unsafe)`: the pointer itself never changes, and the memory is handed
    /// out only by ``scratchBuffer`` on the reactor thread, where one job runs at a time and
    /// a job cannot suspend while it holds it — so no two users ever overlap.
    private nonisolated(unsafe) let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
    /// The epoll user data of the wake-up eventfd.
    private static let wakeToken: UInt64 = .max

    /// Creates a reactor and starts its thread; ``shutdown()`` stops it.
    ///
    /// - Throws: ``SocketError`` when the epoll instance, its wake-up eventfd or the thread
    ///   cannot be created (the process is out of descriptors, memory or threads).
    ///
    /// The corresponding C functions are `epoll_create1`, `eventfd` and `pthread_create`.
    public convenience init() throws(SocketError) {
        try self.init(isShutdownable: true)
    }

    /// Creates a reactor; one that is not `isShutdownable` is part of a process-wide
    /// group (``shared``, ``ReactorGroup/shared``) that every socket may depend on.
    package init(isShutdownable: Bool) throws(SocketError) {
        let epoll = try Syscall.epollCreate().get("epoll_create1")
        let wakeFD: Int32
        switch Syscall.eventFD() {
        case .success(let fd):
            wakeFD = fd
        case .failure(let errno):
            _ = Syscall.close(epoll)
            throw SocketError("eventfd", errno: errno)
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeToken
        if case .failure(let errno) = Syscall.epollControl(epoll, EPOLL_CTL_ADD, wakeFD, &event) {
            _ = Syscall.close(wakeFD)
            _ = Syscall.close(epoll)
            throw SocketError("epoll_ctl", errno: errno)
        }
        self.epollDescriptor = SharedDescriptor(epoll)
        self.wakeDescriptor = SharedDescriptor(wakeFD)
        self.isShutdownable = isShutdownable
        _ = Self.installAdoptionHook
        try startThread()
    }

    deinit {
        scratch.deallocate()
    }

    /// The reactor whose thread the caller runs on, or nil on any other thread.
    ///
    /// One thread-local load: sockets call it to register where their task runs.
    @inline(__always)
    public static var current: Reactor? {
        csockets_get_current_reactor().map { Unmanaged<Reactor>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Runs `body` so that the first job it enqueues on the global executor — the task
    /// that a continuation's resume or a task creation in `body` enqueues — is queued on
    /// this reactor instead, to run on its thread (on the generic executor). From any thread.
    ///
    /// A connection task with an executor preference costs, on every resume and on every
    /// executor switch, a look-up of that preference under the task's status-record lock:
    /// three per echoed message. A server's connection tasks therefore have none: they are
    /// started here, and the reactor adopts them again whenever it resumes them, with the
    /// hook on the runtime's global enqueue that ``installAdoptionHook`` installs. If that
    /// hook is replaced, they run on the global executor instead: slower, not wrong.
    @inline(__always)
    package func adopting<R>(_ body: () throws -> R) rethrows -> R {
        csockets_set_adopting_reactor(Unmanaged.passUnretained(self).toOpaque())
        defer { csockets_set_adopting_reactor(nil) }
        return try body()
    }

    /// Installs the runtime hook of ``adopting(_:)``, once per process.
    private static let installAdoptionHook: Void = csockets_install_adoption_hook { reactor, job in
        guard let reactor, let job else { return }
        // The reactor is alive: its loop (or `adopting`'s caller) holds it. No retain.
        Unmanaged<Reactor>.fromOpaque(reactor)._withUnsafeGuaranteedRef { $0.adopt(job) }
    }

    /// Queues a job that ``adopting(_:)`` caught: without a lock from the loop thread; from
    /// another, as ``enqueue(_:)`` does. After shutdown it goes to the global executor.
    private func adopt(_ job: UnsafeMutableRawPointer) {
        enqueue(ReactorJob(adopted: job))
    }

    /// The current reactor thread's scratch buffer, or nil on any other thread.
    @inline(__always)
    package static var currentScratchBuffer: UnsafeMutableRawBufferPointer? { current?.scratch }

    /// Whether the caller runs on the reactor's thread.
    @inline(__always)
    public var isCurrentThread: Bool { csockets_get_current_reactor() == Unmanaged.passUnretained(self).toOpaque() }

    /// How many sockets are registered with this reactor now (they wait for events here).
    public var registeredCount: Int { slab.withLock { $0.count } }

    /// Stops the reactor: its thread ends at the next turn of its loop, every task parked
    /// on one of its sockets resumes with ``SocketError/Kind/closed``, registering a socket
    /// fails with `closed`, and its epoll and eventfd descriptors are closed. Jobs of tasks
    /// that prefer it as their executor run on the global concurrent executor from then on.
    ///
    /// Returns at once, without waiting for the thread; calling it again does nothing.
    /// ``shared`` and the reactors of ``ReactorGroup/shared`` cannot be shut down (a
    /// precondition): every socket may depend on them.
    public func shutdown() {
        precondition(isShutdownable, "Sockets: a shared reactor cannot be shut down")
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake()
    }

    // MARK: Executor

    /// Queues a job to run on the reactor thread (on the global concurrent executor once
    /// the reactor is shut down).
    public func enqueue(_ job: consuming ExecutorJob) {
        enqueue(ReactorJob(UnownedJob(job)))
    }

    /// Queues `job`: without a lock from the loop thread; from another, on the shared queue,
    /// waking the loop if it waits in `epoll_wait`. After shutdown, on the global executor.
    private func enqueue(_ job: ReactorJob) {
        if isCurrentThread && !isLocallyStopped {
            localJobs.append(job)
            return
        }
        let accepted = jobs.withLock { queue in
            guard !queue.isStopped else { return false }
            queue.jobs.append(job)
            hasRemoteJobs.store(true, ordering: .sequentiallyConsistent)
            return true
        }
        guard accepted else {
            job.handToGlobalExecutor()
            return
        }
        if !isCurrentThread && polling.exchange(false, ordering: .sequentiallyConsistent) {
            wake()
        }
    }

    /// Writes the eventfd, so that a blocked `epoll_wait` returns; nothing after shutdown.
    private func wake() {
        guard wakeDescriptor.acquire() else { return }
        Syscall.signalEventFD(wakeDescriptor.raw)
        wakeDescriptor.release()
    }

    // MARK: Registration

    /// Registers `fd` for edge-triggered input and output events.
    ///
    /// - Throws: ``SocketError`` from `epoll_ctl`; `closed` once the reactor is shut down.
    package func register(_ fd: Int32) throws(SocketError) -> ReactorRegistration {
        let registration = slab.withLock { slab in
            slab.isClosed ? nil : slab.insert { ReactorRegistration(reactor: self, token: $0) }
        }
        guard let registration, epollDescriptor.acquire() else {
            if let registration { slab.withLock { $0.remove(registration.token) } }
            throw SocketError(.closed, operation: "epoll_ctl", detail: "the reactor is shut down")
        }
        defer { epollDescriptor.release() }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        event.data.u64 = registration.token
        if case .failure(let errno) = Syscall.epollControl(epollDescriptor.raw, EPOLL_CTL_ADD, fd, &event) {
            slab.withLock { $0.remove(registration.token) }
            throw SocketError("epoll_ctl", errno: errno)
        }
        return registration
    }

    /// Forgets a registration and wakes its waiters with `closed`; removes `fd` from
    /// epoll when given (a descriptor about to be closed leaves epoll by itself).
    package func deregister(_ registration: ReactorRegistration, fd: Int32?) {
        if let fd, epollDescriptor.acquire() {
            var event = epoll_event()
            _ = Syscall.epollControl(epollDescriptor.raw, EPOLL_CTL_DEL, fd, &event)
            epollDescriptor.release()
        }
        slab.withLock { $0.remove(registration.token) }
        registration.close()
    }

    // MARK: Deadlines

    package func schedule(_ deadline: ReactorDeadline) {
        let live = liveDeadlines.add(1, ordering: .sequentiallyConsistent).newValue
        let isEarliest = deadlines.withLock { $0.insert(deadline, live: live) }
        if isEarliest && !isCurrentThread && polling.exchange(false, ordering: .sequentiallyConsistent) {
            wake()
        }
    }

    package func deadlineCancelled() {
        liveDeadlines.subtract(1, ordering: .relaxed)
        deadlinesToSweep.store(true, ordering: .relaxed)
    }

    /// Empties the heap if no deadline in it is live: its cancelled entries retain their
    /// registrations, which must not outlive their sockets. Under the heap's lock, so that a
    /// deadline being scheduled (counted live before it is inserted) is never swept.
    private func sweepDeadlines() {
        deadlines.withLock { heap in
            if liveDeadlines.load(ordering: .relaxed) == 0 { heap = DeadlineHeap() }
        }
    }

    // MARK: The loop

    private func startThread() throws(SocketError) {
        let status = startDetachedThread { self.run() }
        guard status == 0 else {
            _ = epollDescriptor.close { _ in }
            _ = wakeDescriptor.close { _ in }
            throw SocketError(
                .resourceExhausted, operation: "pthread_create",
                detail: "cannot start the reactor thread: \(Errno(rawValue: status))")
        }
    }

    private func run() {
        // The thread's closure retains the reactor until this function returns.
        csockets_set_current_reactor(Unmanaged.passUnretained(self).toOpaque())
        let capacity = 512
        let events = UnsafeMutableBufferPointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        // Retained by hand while the turn handles them: an array of trivial elements is
        // emptied without a generic destroy per element.
        var ready: [(registration: Unmanaged<ReactorRegistration>, mask: UInt32)] = []
        ready.reserveCapacity(capacity)
        let executor = asUnownedTaskExecutor()
        var batch = Deque<ReactorJob>(minimumCapacity: 256)
        while !stopRequested.load(ordering: .acquiring) {
            runJobs(executor, &batch)
            // Announce the wait before looking at jobs and deadlines: whatever another thread
            // adds after this sees `polling` set and writes the eventfd.
            polling.store(true, ordering: .sequentiallyConsistent)
            // Without live deadlines the heap holds only cancelled ones: no clock read, and
            // the lock only to sweep them once.
            var timeout: Int32 = -1
            if liveDeadlines.load(ordering: .sequentiallyConsistent) > 0 {
                timeout = deadlines.withLock { $0.millisecondsUntilNext() }
            } else if deadlinesToSweep.exchange(false, ordering: .relaxed) {
                sweepDeadlines()
            }
            if !localJobs.isEmpty || hasRemoteJobs.load(ordering: .sequentiallyConsistent)
                || stopRequested.load(ordering: .acquiring)
            {
                timeout = 0
            }
            let count: Int
            switch Syscall.epollWait(epollDescriptor.raw, events, timeoutMilliseconds: timeout) {
            case .success(let eventCount):
                count = eventCount  // EINTR comes back as zero events: the loop just goes round again.
            case .failure(let errno):
                // What else epoll_wait can return — EBADF, EFAULT, EINVAL — says that the epoll
                // descriptor or the event buffer is wrong: a bug here, not a condition to live
                // with (SwiftNIO's policy too). Going on would spin on the same error, unseen.
                preconditionFailure("Sockets: epoll_wait failed: \(errno)")
            }
            polling.store(false, ordering: .sequentiallyConsistent)
            if count > 0 {
                slab.withLock { slab in
                    for event in events[0..<count] {
                        if event.data.u64 == Self.wakeToken { continue }
                        if let registration = slab[event.data.u64] {
                            ready.append((Unmanaged.passRetained(registration), event.events))
                        }
                    }
                }
                if events[0..<count].contains(where: { $0.data.u64 == Self.wakeToken }) {
                    Syscall.drainEventFD(wakeDescriptor.raw)
                }
                // The memory of the events after this one on its way into the cache (see
                // `ReactorRegistration.prefetch()`): their registrations four ahead, the
                // readers parked on those two ahead.
                for index in 0..<min(ready.count, 4) { ready[index].registration._withUnsafeGuaranteedRef { $0.prefetch() } }
                for index in 0..<min(ready.count, 2) {
                    ready[index].registration._withUnsafeGuaranteedRef { $0.prefetchReader() }
                }
                for (index, (registration, mask)) in ready.enumerated() {
                    if index + 4 < ready.count { ready[index + 4].registration._withUnsafeGuaranteedRef { $0.prefetch() } }
                    if index + 2 < ready.count {
                        ready[index + 2].registration._withUnsafeGuaranteedRef { $0.prefetchReader() }
                    }
                    let hangUp = mask & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
                    registration.takeRetainedValue().handle(
                        readable: hangUp || mask & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLPRI.rawValue) != 0,
                        writable: hangUp || mask & EPOLLOUT.rawValue != 0,
                        ended: hangUp || mask & EPOLLRDHUP.rawValue != 0)
                }
                ready.removeAll(keepingCapacity: true)
            }
            fireDeadlines()
        }
        stop()
    }

    /// The end of the loop, on its thread: wakes every waiter with `closed`, hands the
    /// queued jobs (and any that come later) to the global executor, closes the descriptors.
    private func stop() {
        for registration in slab.withLock({ $0.closeAll() }) {
            registration.close()
        }
        // The pending deadlines retain their registrations, which retain this reactor.
        deadlines.withLock { $0 = DeadlineHeap() }
        // After the waiters: the jobs that resuming them queued here are handed over too.
        isLocallyStopped = true
        let leftover = jobs.withLock { queue in
            queue.isStopped = true
            defer { queue.jobs.removeAll() }
            return queue.jobs
        }
        for job in localJobs + leftover {
            job.handToGlobalExecutor()
        }
        _ = wakeDescriptor.close { _ in }
        _ = epollDescriptor.close { _ in }
        csockets_set_current_reactor(nil)
    }

    /// Runs the queued jobs, including ones they enqueue, up to a bound that keeps I/O fair.
    ///
    /// `batch` is an empty queue that keeps its storage: it is swapped with the shared
    /// queue, so taking the jobs costs one lock and no allocation; the loop thread's own
    /// jobs follow them.
    private func runJobs(_ executor: UnownedTaskExecutor, _ batch: inout Deque<ReactorJob>) {
        var budget = 4096
        while budget > 0 {
            if hasRemoteJobs.load(ordering: .relaxed) {
                jobs.withLock { queue in
                    hasRemoteJobs.store(false, ordering: .relaxed)
                    swap(&batch, &queue.jobs)
                }
            }
            if !localJobs.isEmpty {
                batch.append(contentsOf: localJobs)
                localJobs.removeAll(keepingCapacity: true)
            }
            if batch.isEmpty { return }
            budget -= batch.count
            while let job = batch.popFirst() {
                job.run(on: executor)
            }
        }
    }

    private func fireDeadlines() {
        guard liveDeadlines.load(ordering: .relaxed) > 0 else { return }
        let now = ContinuousClock.now
        let due = deadlines.withLock { $0.popDue(now: now) }
        for deadline in due { deadline.fire() }
    }
}
