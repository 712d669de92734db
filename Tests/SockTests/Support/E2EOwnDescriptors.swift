import TestSupport

/// The test process's own descriptors, to check that a test and its harness close what
/// they opened (client sockets, the pipes of a child process).
enum E2EOwnDescriptors {
    /// The descriptors open now.
    ///
    /// A first child process is run before: Foundation opens what it keeps for watching
    /// children on first use. Timerfds are left out: Dispatch, under `Task.sleep`, opens
    /// one per kind of timer on first use and keeps it.
    static func baseline() throws -> [Int32: String] {
        _ = try ChildProcess.run("/bin/true", [])
        return current()
    }

    /// Whether every descriptor opened since `baseline` is closed again within the
    /// timeout (a child's pipes are closed by their reader threads, a little later).
    static func areBack(to baseline: [Int32: String]) async -> Bool {
        // No descriptor the test opened is left; one the runtime held at the baseline may have
        // closed since (seen in CI: the count dropped with nothing added), which is not a leak.
        await eventually { added(since: baseline).isEmpty }
    }

    /// The open descriptors that `baseline` does not have, for a failure message.
    static func added(since baseline: [Int32: String]) -> [Int32: String] {
        current().filter { baseline[$0.key] != $0.value }
    }

    private static func current() -> [Int32: String] {
        openDescriptors(includingTimers: false)
    }
}
