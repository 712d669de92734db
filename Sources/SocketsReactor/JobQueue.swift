import DequeModule

/// The jobs waiting for the reactor thread; once `isStopped`, none is accepted.
struct JobQueue {
    var jobs = Deque<UnownedJob>()
    /// Jobs adopted from another thread (``Reactor/adopting(_:)``), to run on the generic executor.
    var adopted = Deque<UnsafeMutableRawPointer>()
    var isStopped = false
}
