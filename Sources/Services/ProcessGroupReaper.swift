import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Kills a child's process group: when the timeout fires, and once more when the
/// run is over, so that no background grandchild outlives the request.
///
/// The child is started as the leader of a new group (`setpgid(0, 0)`), so the group
/// id is its pid and `kill(-pid, SIGKILL)` reaches every process it started that did
/// not leave the group. Either of ``attach(_:)`` and ``timeOut()`` may come first.
final class ProcessGroupReaper: Sendable {
    private struct State {
        var groupID: pid_t?
        var timedOut = false
        var finished = false
    }

    private let state = Mutex(State())

    /// Records the group to kill; kills it at once if the timeout already fired.
    func attach(_ groupID: pid_t) {
        let kill = state.withLock { state in
            state.groupID = groupID
            return state.timedOut && !state.finished
        }
        if kill { Self.killGroup(groupID) }
    }

    /// The timeout fired: kills the group (or marks it, to be killed when attached).
    func timeOut() {
        let groupID: pid_t? = state.withLock { state in
            guard !state.finished else { return nil }
            state.timedOut = true
            return state.groupID
        }
        if let groupID { Self.killGroup(groupID) }
    }

    /// The run is over: kills whatever is left of the group.
    ///
    /// - Returns: Whether the timeout had fired.
    func finish() -> Bool {
        let (groupID, timedOut) = state.withLock { state in
            state.finished = true
            return (state.groupID, state.timedOut)
        }
        if let groupID { Self.killGroup(groupID) }
        return timedOut
    }

    /// Sends `SIGKILL` to every process of the group; a group that is gone already
    /// (`ESRCH`) is fine.
    private static func killGroup(_ groupID: pid_t) {
        guard groupID > 1 else { return }
        _ = kill(-groupID, SIGKILL)
    }
}
