import HeapModule
import SocketsSystem

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
        return ContinuousClock.now.duration(to: first.deadline.instant).roundedUpMilliseconds
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
