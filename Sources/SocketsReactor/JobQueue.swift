import DequeModule

/// The jobs waiting for the reactor thread; once `isStopped`, none is accepted.
struct JobQueue {
    var jobs = Deque<UnownedJob>()
    var isStopped = false
}
