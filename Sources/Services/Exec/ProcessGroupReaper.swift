import CSockets
import Sockets
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A process group for one program run, killed when the timeout fires and once more
/// when the run is over, so that no background grandchild outlives the request.
///
/// The group belongs to a *holder*: a child of this process that does nothing but
/// sit in the group until it is killed and reaped. The program is started into that
/// group. Because the holder stays unreaped until ``finish()`` has signalled the group,
/// the group id cannot be reused by an unrelated process in the meantime — killing
/// `-pid` of the program itself after it was reaped could reach a stranger's group.
final class ProcessGroupReaper: Sendable {
    private struct State {
        var timedOut = false
        var finished = false
    }

    /// The group to start the program in (the holder's pid).
    let groupID: pid_t
    private let state = LockedValue(State())

    /// Creates the group (forks its holder).
    ///
    /// - Throws: `Errno` when the holder cannot be forked.
    init() throws(Errno) {
        let pid = csockets_spawn_group_holder()
        guard pid > 0 else { throw Errno(rawValue: errno) }
        groupID = pid
    }

    /// The timeout fired: kills the group, unless the run is over already.
    func timeOut() {
        state.withLock { state in
            guard !state.finished else { return }
            state.timedOut = true
            // Under the lock: finish() reaps the holder only after taking it.
            _ = kill(-groupID, SIGKILL)
        }
    }

    /// The run is over: kills whatever is left of the group, then reaps the holder,
    /// which frees the group id. Call it exactly once.
    ///
    /// - Returns: Whether the timeout had fired.
    func finish() -> Bool {
        let timedOut = state.withLock { state in
            state.finished = true
            return state.timedOut
        }
        _ = kill(-groupID, SIGKILL)
        var status: Int32 = 0
        while waitpid(groupID, &status, 0) == -1 && errno == EINTR {}
        return timedOut
    }
}
