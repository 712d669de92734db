#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSockets
import DequeModule
import HeapModule
import Synchronization
import SystemPackage

/// An epoll event loop on its own thread, and a task executor running on that thread.
///
/// Sockets register with it on their first asynchronous wait. The loop waits for
/// events, bumps each socket's readiness and resumes the tasks parked on it, fires
/// deadlines, and runs the jobs of tasks that prefer it as their executor
/// (`Task(executorPreference: reactor)`). Connection tasks that run here never
/// change threads: an event, the read, the reply and the next park all happen on
/// this one thread without a wake-up in between.
public final class Reactor: TaskExecutor, Sendable {
    /// The process-wide reactor, started on first use.
    public static let shared = Reactor()

    private let epoll: Int32
    private let wakeFD: Int32
    private let slab = LockedValue(RegistrationSlab())
    private let jobs = LockedValue(Deque<UnownedJob>())
    private let deadlines = LockedValue(DeadlineHeap())
    /// Scheduled deadlines not yet fired or cancelled. Kept outside the heap's lock so that
    /// finishing an operation takes no lock, and a loop iteration without live deadlines
    /// reads no clock after its wait.
    private let liveDeadlines = Atomic<Int>(0)
    /// True while the loop is about to block or blocked in `epoll_wait`: a job from another
    /// thread must then write the eventfd.
    private let polling = Atomic<Bool>(false)
    private let threadID = Atomic<UInt>(0)
    /// Receive memory for tasks on the reactor thread; used only between a read and the
    /// synchronous code that consumes it, never across a suspension.
    ///
    /// `nonisolated(unsafe)`: the pointer itself never changes, and the memory is handed
    /// out only by ``scratchBuffer`` on the reactor thread, where one job runs at a time and
    /// a job cannot suspend while it holds it — so no two users ever overlap.
    private nonisolated(unsafe) let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
    /// The epoll user data of the wake-up eventfd.
    private static let wakeToken: UInt64 = .max

    /// Creates a reactor and starts its thread.
    ///
    /// Creating the epoll instance can only fail when the process is out of descriptors
    /// at that moment; that is treated as fatal.
    public init() {
        guard case .success(let epoll) = Syscall.epollCreate(),
              case .success(let wakeFD) = Syscall.eventFD() else {
            fatalError("Sockets: cannot create the epoll reactor: \(Errno(rawValue: errno))")
        }
        self.epoll = epoll
        self.wakeFD = wakeFD
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeToken
        _ = Syscall.epollControl(epoll, EPOLL_CTL_ADD, wakeFD, &event)
        startThread()
    }

    deinit {
        scratch.deallocate()
    }

    /// The reactor thread's scratch buffer, or nil on any other thread.
    var scratchBuffer: UnsafeMutableRawBufferPointer? { isCurrentThread ? scratch : nil }

    /// Whether the caller runs on the reactor's thread.
    public var isCurrentThread: Bool { threadID.load(ordering: .relaxed) == UInt(pthread_self()) }

    // MARK: Executor

    /// Queues a job to run on the reactor thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        if !isCurrentThread && polling.exchange(false, ordering: .sequentiallyConsistent) {
            Syscall.signalEventFD(wakeFD)
        }
    }

    // MARK: Registration

    /// Registers `fd` for edge-triggered input and output events.
    func register(_ fd: Int32) throws(SocketError) -> ReactorRegistration {
        let registration = slab.withLock { $0.insert { ReactorRegistration(reactor: self, token: $0) } }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        event.data.u64 = registration.token
        if case .failure(let errno) = Syscall.epollControl(epoll, EPOLL_CTL_ADD, fd, &event) {
            slab.withLock { $0.remove(registration.token) }
            throw SocketError("epoll_ctl", errno: errno)
        }
        return registration
    }

    /// Forgets a registration and wakes its waiters with `closed`; removes `fd` from
    /// epoll when given (a descriptor about to be closed leaves epoll by itself).
    func deregister(_ registration: ReactorRegistration, fd: Int32?) {
        if let fd {
            var event = epoll_event()
            _ = Syscall.epollControl(epoll, EPOLL_CTL_DEL, fd, &event)
        }
        slab.withLock { $0.remove(registration.token) }
        registration.close()
    }

    // MARK: Deadlines

    func schedule(_ deadline: ReactorDeadline) {
        let live = liveDeadlines.add(1, ordering: .relaxed).newValue
        let isEarliest = deadlines.withLock { $0.insert(deadline, live: live) }
        if isEarliest && !isCurrentThread && polling.exchange(false, ordering: .sequentiallyConsistent) {
            Syscall.signalEventFD(wakeFD)
        }
    }

    func deadlineCancelled() {
        liveDeadlines.subtract(1, ordering: .relaxed)
    }

    // MARK: The loop

    private func startThread() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            let reactor = Unmanaged<Reactor>.fromOpaque(context!).takeRetainedValue()
            reactor.run()
            return nil
        }, context)
        precondition(status == 0, "Sockets: cannot start the reactor thread (\(status))")
        pthread_detach(thread)
    }

    private func run() {
        threadID.store(UInt(pthread_self()), ordering: .relaxed)
        let capacity = 512
        let events = UnsafeMutableBufferPointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        var ready: [(ReactorRegistration, UInt32)] = []
        ready.reserveCapacity(capacity)
        let executor = asUnownedTaskExecutor()
        var batch = Deque<UnownedJob>(minimumCapacity: 256)
        while true {
            runJobs(executor, &batch)
            // Announce the wait before looking at jobs and deadlines: whatever another thread
            // adds after this sees `polling` set and writes the eventfd.
            polling.store(true, ordering: .sequentiallyConsistent)
            var timeout = deadlines.withLock { $0.millisecondsUntilNext() }
            if !jobs.withLock({ $0.isEmpty }) { timeout = 0 }
            let count = (try? Syscall.epollWait(epoll, events, timeoutMilliseconds: timeout).get()) ?? 0
            polling.store(false, ordering: .sequentiallyConsistent)
            if count > 0 {
                slab.withLock { slab in
                    for event in events[0..<count] {
                        if event.data.u64 == Self.wakeToken { continue }
                        if let registration = slab[event.data.u64] { ready.append((registration, event.events)) }
                    }
                }
                if events[0..<count].contains(where: { $0.data.u64 == Self.wakeToken }) {
                    Syscall.drainEventFD(wakeFD)
                }
                for (registration, mask) in ready {
                    let hangUp = mask & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
                    registration.handle(
                        readable: hangUp || mask & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLPRI.rawValue) != 0,
                        writable: hangUp || mask & EPOLLOUT.rawValue != 0,
                        ended: hangUp || mask & EPOLLRDHUP.rawValue != 0)
                }
                ready.removeAll(keepingCapacity: true)
            }
            fireDeadlines()
        }
    }

    /// Runs the queued jobs, including ones they enqueue, up to a bound that keeps I/O fair.
    ///
    /// `batch` is an empty queue that keeps its storage: it is swapped with the shared
    /// queue, so taking the jobs costs one lock and no allocation.
    private func runJobs(_ executor: UnownedTaskExecutor, _ batch: inout Deque<UnownedJob>) {
        var budget = 4096
        while budget > 0 {
            jobs.withLock { swap(&batch, &$0) }
            if batch.isEmpty { return }
            budget -= batch.count
            while let job = batch.popFirst() {
                job.runSynchronously(on: executor)
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

/// Registrations indexed by slab slot; a token is `generation << 32 | slot`, so an
/// event for a slot that was freed and reused is recognised as stale and dropped.
struct RegistrationSlab {
    private var entries: [ReactorRegistration?] = []
    private var generations: [UInt32] = []
    private var free: [Int] = []

    mutating func insert(_ make: (UInt64) -> ReactorRegistration) -> ReactorRegistration {
        let slot: Int
        if let reused = free.popLast() {
            slot = reused
        } else {
            slot = entries.count
            entries.append(nil)
            generations.append(0)
        }
        let registration = make(UInt64(generations[slot]) << 32 | UInt64(slot))
        entries[slot] = registration
        return registration
    }

    mutating func remove(_ token: UInt64) {
        let slot = Int(token & 0xFFFF_FFFF)
        guard slot < entries.count, UInt64(generations[slot]) == token >> 32, entries[slot] != nil else { return }
        entries[slot] = nil
        generations[slot] &+= 1
        free.append(slot)
    }

    subscript(token: UInt64) -> ReactorRegistration? {
        let slot = Int(token & 0xFFFF_FFFF)
        guard slot < entries.count, UInt64(generations[slot]) == token >> 32 else { return nil }
        return entries[slot]
    }
}

/// Pending deadlines. Finished operations leave their entry behind (cancelled); the
/// heap is rebuilt without them once they outnumber the live ones.
struct DeadlineHeap {
    private var heap = Heap<ScheduledDeadline>()

    /// Adds a deadline; true if it is now the earliest.
    ///
    /// - Parameter live: How many scheduled deadlines are live, this one included.
    mutating func insert(_ deadline: ReactorDeadline, live: Int) -> Bool {
        if heap.count > 64 && heap.count > 2 * live {
            heap = Heap(heap.unordered.filter { !$0.deadline.isCancelled })
        }
        let isEarliest = heap.min.map { deadline.instant < $0.deadline.instant } ?? true
        heap.insert(ScheduledDeadline(deadline: deadline))
        return isEarliest
    }

    /// The poll timeout until the earliest deadline; -1 without one.
    mutating func millisecondsUntilNext() -> Int32 {
        while let first = heap.min, first.deadline.isCancelled { _ = heap.removeMin() }
        guard let first = heap.min else { return -1 }
        return Socket.milliseconds(rounding: ContinuousClock.now.duration(to: first.deadline.instant))
    }

    mutating func popDue(now: ContinuousClock.Instant) -> [ReactorDeadline] {
        var due: [ReactorDeadline] = []
        while let first = heap.min, first.deadline.isCancelled || first.deadline.instant <= now {
            let entry = heap.removeMin()
            if !entry.deadline.isCancelled { due.append(entry.deadline) }
        }
        return due
    }
}
