import SocketsSystem
import Synchronization

/// A deadline for one parked operation. Scheduled with the reactor when the task
/// parks; cancelled when the task is woken first.
package final class ReactorDeadline: Sendable {
    package let instant: ContinuousClock.Instant
    package let registration: ReactorRegistration
    package let waiterID: UInt64
    package let direction: ReactorRegistration.Direction
    private let cancelled = Atomic<Bool>(false)

    package init(
        at instant: ContinuousClock.Instant, registration: ReactorRegistration, waiterID: UInt64,
        direction: ReactorRegistration.Direction
    ) {
        self.instant = instant
        self.registration = registration
        self.waiterID = waiterID
        self.direction = direction
    }

    /// Whether the operation finished before the deadline.
    package var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    package func cancel() {
        if !cancelled.exchange(true, ordering: .relaxed) {
            registration.reactor.deadlineCancelled()
        }
    }

    /// Called by the reactor when the deadline passes.
    package func fire() {
        guard !cancelled.exchange(true, ordering: .relaxed) else { return }
        registration.reactor.deadlineCancelled()
        registration.expire(waiterID, direction)
    }
}

/// A deadline in the reactor's timer heap, ordered by instant.
package struct ScheduledDeadline: Comparable {
    package let deadline: ReactorDeadline

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.deadline.instant < rhs.deadline.instant }
    package static func == (lhs: Self, rhs: Self) -> Bool { lhs.deadline === rhs.deadline }
}
