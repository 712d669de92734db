import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What `/proc` tells about another process's use of the machine.
public enum ProcessStatistics {
    /// The user plus system CPU time `pid` has used, in clock ticks (fields 14 and 15 of
    /// `/proc/PID/stat`); -1 if it cannot be read.
    public static func cpuTicks(of pid: Int32) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return -1 }
        // After the command name: state is field 3, so utime and stime are at 11 and 12.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return -1 }
        return user + system
    }

    /// The user plus system CPU time `pid` has used; zero if it cannot be read.
    public static func cpuTime(of pid: Int32) -> Duration {
        let ticks = cpuTicks(of: pid)
        guard ticks >= 0 else { return .zero }
        let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))
        return .milliseconds(ticks * 1000 / max(ticksPerSecond, 1))
    }

    /// The resident memory of `pid` now and at its peak, in KiB (`VmRSS`, `VmHWM` of
    /// `/proc/PID/status`); -1 for a field that cannot be read.
    public static func memory(of pid: Int32) -> (resident: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return -1 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
        }
        return (field("VmRSS"), field("VmHWM"))
    }
}
