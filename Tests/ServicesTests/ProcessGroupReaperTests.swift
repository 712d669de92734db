import TestSupport
import Testing

@testable import Services

#if canImport(Glibc)
    import Glibc
#endif

@Suite("ProcessGroupReaper", .timeLimit(.minutes(1)))
struct ProcessGroupReaperTests {
    /// Whether a process group with this id exists (`kill(-group, 0)` finds a member).
    static func groupExists(_ group: pid_t) -> Bool {
        kill(-group, 0) == 0
    }

    /// Starts `/bin/sh -c script` in process group `group` and waits for it (reaps it).
    static func runInGroup(_ group: pid_t, _ script: String) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, group)
        let arguments: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", script].map { (text: String) in strdup(text) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/sh", nil, &attributes, arguments, environ)
        try #require(result == 0, "posix_spawn: \(result)")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status
    }

    @Test("the group id stays taken after the program was reaped, until finish()")
    func groupID_StaysReservedUntilFinish() throws {
        let reaper = try ProcessGroupReaper()
        // The program: started in the group, exits at once, and is reaped.
        let exitStatus = try Self.runInGroup(reaper.groupID, "exit 0")
        #expect(exitStatus == 0)
        // With the program gone, only the holder keeps the id from being reused.
        #expect(Self.groupExists(reaper.groupID))
        #expect(reaper.finish() == false)
        #expect(!Self.groupExists(reaper.groupID))
        // The holder is reaped: it is no child of ours any more.
        var status: Int32 = 0
        #expect(waitpid(reaper.groupID, &status, WNOHANG) == -1 && errno == ECHILD)
    }

    @Test("a program run by CommandRunner is in a group that is not its own pid")
    func commandRunner_RunsInTheHoldersGroup() async throws {
        let result = try await CommandRunner().run("sh", arguments: ["-c", "echo $$ $(cut -d' ' -f5 /proc/$$/stat)"])
        let fields = String(decoding: result.standardOutput, as: UTF8.self).split(separator: " ").compactMap {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try #require(fields.count == 2)
        #expect(fields[0] != fields[1], "the program leads its own group, whose id is free once it is reaped")
        #expect(!Self.groupExists(fields[1]))
    }

    @Test("timeOut kills the group; finish reports it")
    func timeOut_KillsTheGroup() throws {
        let reaper = try ProcessGroupReaper()
        #expect(Self.groupExists(reaper.groupID))
        reaper.timeOut()
        #expect(reaper.finish() == true)
        #expect(!Self.groupExists(reaper.groupID))
    }

    @Test("the holder keeps no descriptor of ours open")
    func holder_ClosesInheritedDescriptors() async throws {
        let reaper = try ProcessGroupReaper()
        defer { _ = reaper.finish() }
        #expect(
            await eventually(within: .seconds(1)) { openDescriptors(ofProcess: reaper.groupID).isEmpty },
            "the holder has open: \(openDescriptors(ofProcess: reaper.groupID))")
    }
}
