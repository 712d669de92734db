import SocketsSystem
import Synchronization

/// One cancellation handler for a task's whole life, instead of one per wait.
///
/// A wait must end when its task is cancelled. `withTaskCancellationHandler` around
/// every wait adds and removes a record in the task's status, under the task's status
/// lock, for each message a connection reads — about a tenth of the per-message work.
/// A server runs each connection's handler in a scope: the scope's single handler wakes
/// whatever wait of that task is parked when the task is cancelled, and waits of the
/// task skip their own handler.
package final class CancellationScope: Sendable {
    /// The scope of the running task, if it runs in one.
    @TaskLocal package static var current: CancellationScope?

    private struct State: Sendable {
        var isCancelled = false
        /// The task's parked wait, if any.
        var parked: (registration: ReactorRegistration, id: UInt64, direction: ReactorRegistration.Direction)?
    }

    /// The task the scope covers; children that inherit the scope are not covered.
    private let owner: Int
    private let state = LockedValue(State())
    /// Whether ``run(isolation:_:)`` has returned. A task that inherited the scope (an
    /// unstructured task copies task-locals) may outlive the owner, and another task may
    /// later get the owner's address: neither is covered.
    private let isOver = Atomic<Bool>(false)

    private init(owner: Int) {
        self.owner = owner
    }

    /// Runs `body` in a new scope for the current task.
    package static func run<R: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> R
    ) async throws -> R {
        let scope = CancellationScope(owner: withUnsafeCurrentTask { $0?.hashValue ?? 0 })
        defer { scope.isOver.store(true, ordering: .releasing) }
        return try await $current.withValue(scope) {
            try await withTaskCancellationHandler {
                try await body()
            } onCancel: {
                scope.cancel()
            }
        }
    }

    /// The scope that covers the calling task's waits, or nil.
    @inline(__always)
    package static var covering: CancellationScope? {
        guard let scope = current, !scope.isOver.load(ordering: .acquiring) else { return nil }
        return withUnsafeCurrentTask { $0?.hashValue } == scope.owner ? scope : nil
    }

    /// Notes the task's parked wait; false (nothing noted) when the task was cancelled,
    /// so the caller ends the wait itself.
    func noteParked(_ registration: ReactorRegistration, id: UInt64, direction: ReactorRegistration.Direction) -> Bool {
        state.withLock { state in
            guard !state.isCancelled else { return false }
            state.parked = (registration, id, direction)
            return true
        }
    }

    private func cancel() {
        let parked = state.withLock { state in
            state.isCancelled = true
            defer { state.parked = nil }
            return state.parked
        }
        if let parked {
            parked.registration.cancel(parked.id, parked.direction)
        }
    }
}
