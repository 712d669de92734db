import Sockets
import Synchronization

/// Values that handlers report to the test, in order; awaited with a bound.
final class AsyncMailbox<Value: Sendable>: Sendable {
    private struct State {
        var values: [Value] = []
        var waiter: (id: UInt64, continuation: CheckedContinuation<Value, any Error>)?
        var nextID: UInt64 = 0
    }

    private let state = LockedValue(State())

    func post(_ value: Value) {
        let waiter: CheckedContinuation<Value, any Error>? = state.withLock { state in
            guard let waiter = state.waiter else {
                state.values.append(value)
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: value)
    }

    /// The next value posted, within `limit`.
    func next(within limit: Duration = .seconds(5), _ what: String = "a message from a handler") async throws -> Value {
        try await AsyncTest.withTimeout(limit, what) { try await self.take() }
    }

    private func take() async throws -> Value {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<Value, any Error>? = state.withLock { state in
                    if !state.values.isEmpty { return .success(state.values.removeFirst()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiter = (id, continuation)
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Value, any Error>? = state.withLock { state in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
