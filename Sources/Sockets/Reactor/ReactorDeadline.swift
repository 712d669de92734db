import Synchronization

/// A deadline for one parked operation. Scheduled with the reactor when the task
/// parks; cancelled when the task is woken first.
final class ReactorDeadline: Sendable {
    let instant: ContinuousClock.Instant
    let registration: ReactorRegistration
    let waiterID: UInt64
    let direction: ReactorRegistration.Direction
    private let cancelled = Atomic<Bool>(false)

    init(at instant: ContinuousClock.Instant, registration: ReactorRegistration, waiterID: UInt64,
         direction: ReactorRegistration.Direction) {
        self.instant = instant
        self.registration = registration
        self.waiterID = waiterID
        self.direction = direction
    }

    /// Whether the operation finished before the deadline.
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    func cancel() {
        if !cancelled.exchange(true, ordering: .relaxed) {
            registration.reactor.deadlineCancelled()
        }
    }

    /// Called by the reactor when the deadline passes.
    func fire() {
        guard !cancelled.exchange(true, ordering: .relaxed) else { return }
        registration.reactor.deadlineCancelled()
        registration.expire(waiterID, direction)
    }
}

/// A deadline in the reactor's timer heap, ordered by instant.
struct ScheduledDeadline: Comparable {
    let deadline: ReactorDeadline

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.deadline.instant < rhs.deadline.instant }
    static func == (lhs: Self, rhs: Self) -> Bool { lhs.deadline === rhs.deadline }
}
