import CSockets
import DequeModule

/// A job queued on a reactor: a job of a task that prefers the reactor as its executor, or
/// one the reactor adopted (``Reactor/adopting(_:)``), which runs on the generic executor.
struct ReactorJob {
    /// The runtime's job (an `UnownedJob`'s pointer).
    let job: UnsafeMutableRawPointer
    let isAdopted: Bool

    init(_ job: UnownedJob) {
        self.job = unsafeBitCast(job, to: UnsafeMutableRawPointer.self)
        self.isAdopted = false
    }

    init(adopted job: UnsafeMutableRawPointer) {
        self.job = job
        self.isAdopted = true
    }

    /// Runs the job on the calling thread: on `executor`, or, adopted, as the global
    /// executor's threads do.
    func run(on executor: UnownedTaskExecutor) {
        if isAdopted {
            csockets_run_job_on_generic_executor(job)
        } else {
            unsafeBitCast(job, to: UnownedJob.self).runSynchronously(on: executor)
        }
    }

    /// Hands the job to the global executor (the reactor has stopped).
    func handToGlobalExecutor() {
        if isAdopted {
            csockets_enqueue_global(job)
        } else {
            globalConcurrentExecutor.enqueue(ExecutorJob(unsafeBitCast(job, to: UnownedJob.self)))
        }
    }
}

/// The jobs waiting for the reactor thread; once `isStopped`, none is accepted.
struct JobQueue {
    var jobs = Deque<ReactorJob>()
    var isStopped = false
}
