import Sockets

#if canImport(Glibc)
    import Glibc
#endif

/// Runs blocking work (disk reads and writes, `fsync`) on ``BlockingWorkExecutor``'s
/// threads, so that neither the reactor thread, which serves every connection, nor
/// Swift's cooperative threads ever wait for the disk.
///
/// - Parameter work: The blocking calls.
/// - Returns: What `work` returns.
/// - Throws: What `work` throws.
func performBlockingWork<Result, Failure: Error>(
    _ work: () throws(Failure) -> Result
) async throws(Failure) -> Result {
    try await withTaskExecutorPreference(BlockingWorkExecutor.shared) { () async throws(Failure) -> Result in
        try work()
    }
}

/// A few threads of its own that run jobs which block (SwiftNIO's `NIOThreadPool`).
///
/// Swift's cooperative pool has one thread per core and must never block; the reactor
/// has one thread that serves every connection. Work that waits for the disk goes here.
final class BlockingWorkExecutor: TaskExecutor, @unchecked Sendable {
    /// The executor the services share: four threads, started on first use.
    static let shared = BlockingWorkExecutor(threadCount: 4)

    // The queue is guarded by `mutex`; `condition` wakes an idle thread.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var queue: [UnownedJob] = []
    private var queueStart = 0

    /// Starts `threadCount` threads, which run for the life of the process.
    init(threadCount: Int) {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        for _ in 0..<threadCount {
            let status = startDetachedThread { self.runJobs() }
            precondition(status == 0, "Services: cannot start a blocking-work thread (\(status))")
        }
    }

    /// Queues a job for the next idle thread.
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(mutex)
        queue.append(job)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// One thread's loop: waits for a job, runs it, forever.
    private func runJobs() -> Never {
        let executor = asUnownedTaskExecutor()
        while true {
            pthread_mutex_lock(mutex)
            while queueStart == queue.count {
                pthread_cond_wait(condition, mutex)
            }
            let job = queue[queueStart]
            queueStart += 1
            if queueStart == queue.count {
                queue.removeAll(keepingCapacity: true)
                queueStart = 0
            }
            pthread_mutex_unlock(mutex)
            job.runSynchronously(on: executor)
        }
    }
}
