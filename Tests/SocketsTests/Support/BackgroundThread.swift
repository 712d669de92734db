import Foundation
import Sockets
import Synchronization
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a closure on a thread of its own (never on the Swift concurrency pool, so it
/// may block) and hands back its result with a bounded ``join(timeout:)``.
final class BackgroundThread<Value: Sendable>: Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let started = DispatchSemaphore(value: 0)
    private let state = LockedValue<(threadID: pid_t, result: Result<Value, any Error>?)>((0, nil))

    init(_ body: @escaping @Sendable () throws -> Value) {
        Thread.detachNewThread { [self] in
            let threadID = currentThreadID()
            state.withLock { $0.threadID = threadID }
            started.signal()
            let result = Result { try body() }
            state.withLock { $0.result = result }
            finished.signal()
        }
        started.wait()
    }

    /// The kernel's id of the thread (for `/proc/self/task/ID`).
    var threadID: pid_t { state.withLock { $0.threadID } }

    /// Waits at most `timeout` for the closure, then returns its value or rethrows its error.
    func join(timeout: Duration = .seconds(15)) throws -> Value {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        guard finished.wait(timeout: .now() + seconds) == .success else {
            throw HarnessError("background thread did not finish within \(timeout)")
        }
        finished.signal()
        return try state.withLock { $0.result! }.get()
    }

    /// Waits (bounded) until the thread sleeps in `poll(2)`, i.e. is blocked in a socket call,
    /// or has already finished (then ``join(timeout:)`` tells what it did instead of blocking).
    ///
    /// Reads the thread's wait channel from /proc; throws if it never gets there.
    func waitUntilBlockedInPoll(timeout: Duration = testTimeout) throws {
        let deadline = ContinuousClock.now + timeout
        let wchan = "/proc/self/task/\(threadID)/wchan"
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.result != nil }) { return }
            if let channel = try? String(contentsOfFile: wchan, encoding: .utf8), channel.contains("poll") {
                return
            }
            sched_yield()
        }
        throw HarnessError("thread \(threadID) did not block in poll within \(timeout)")
    }
}

/// The kernel's id of the calling thread (from the `/proc/thread-self` link, `PID/task/TID`).
func currentThreadID() -> pid_t {
    let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
    return pid_t(link.split(separator: "/").last ?? "") ?? 0
}
