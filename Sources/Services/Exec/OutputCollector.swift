import Sockets
import Synchronization

/// Collects a program's standard output and standard error under one shared byte
/// budget: what arrives past it is counted as truncated and dropped, so a chatty
/// program can neither block on a full pipe nor fill the server's memory.
final class OutputCollector: Sendable {
    /// Which of the two streams a chunk came from.
    enum Stream: Sendable {
        case output, error
    }

    private struct State {
        var output: [UInt8] = []
        var error: [UInt8] = []
        var remaining: Int
        var truncated = false
    }

    private let state: LockedValue<State>

    /// Creates a collector that keeps at most `limit` bytes of both streams together.
    init(limit: Int) {
        state = LockedValue(State(remaining: max(limit, 0)))
    }

    /// Keeps as much of `bytes` as the budget allows.
    func append(_ bytes: UnsafeRawBufferPointer, from stream: Stream) {
        state.withLock { state in
            let kept = min(bytes.count, state.remaining)
            if kept < bytes.count { state.truncated = true }
            guard kept > 0 else { return }
            state.remaining -= kept
            switch stream {
            case .output: state.output.append(contentsOf: bytes[..<kept])
            case .error: state.error.append(contentsOf: bytes[..<kept])
            }
        }
    }

    /// What was kept, and whether anything was dropped.
    var collected: (output: [UInt8], error: [UInt8], truncated: Bool) {
        state.withLock { ($0.output, $0.error, $0.truncated) }
    }
}
