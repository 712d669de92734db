import Framing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A running server process that announced `listening on ADDR` on stdout.
final class E2EServer: Sendable {
    /// The server process; killed, if still running, when it goes away.
    let child: ChildProcess
    /// The address from the `listening on` line, as printed.
    let address: String

    /// Starts `executable` and waits for its `listening on ADDR` line.
    init(executable: String, arguments: [String], closingStandardError: Bool = false) throws {
        child = try ChildProcess(executable, arguments, closingStandardError: closingStandardError)
        let announced = child.standardOutput.wait { bytes, _ in bytes.contains(UInt8(ascii: "\n")) }
        guard announced, let line = child.standardOutput.lines.first, line.hasPrefix("listening on ") else {
            child.stop(SIGKILL)
            throw HarnessError(
                "\(arguments) did not announce its address; stdout: \(child.standardOutput.text) stderr: \(child.standardError.text)"
            )
        }
        address = String(line.dropFirst("listening on ".count))
    }

    /// Starts `sock ARGUMENTS` (a `serve` command).
    static func sock(_ arguments: [String]) throws -> E2EServer {
        try E2EServer(executable: Products.sock, arguments: arguments)
    }

    /// Starts `sock serve SERVICE OPTIONS --listen LISTEN`.
    static func serve(_ service: String, _ options: [String] = [], listen: String = "127.0.0.1:0") throws -> E2EServer {
        try E2EServer(executable: Products.sock, arguments: ["serve", service, "--listen", listen] + options)
    }

    /// Starts a script of `Tests/Python` that prints `listening on ADDR` itself.
    static func python(_ script: String, _ arguments: [String] = []) throws -> E2EServer {
        try E2EServer(executable: "/usr/bin/env", arguments: ["python3", Products.python(script)] + arguments)
    }

    /// The server's process id.
    var pid: Int32 { child.pid }
    /// What it wrote on stderr (its log).
    var standardError: ChildOutput { child.standardError }
    /// What it wrote on stdout.
    var standardOutput: ChildOutput { child.standardOutput }

    /// The port of an `IP:PORT` or `[IPV6]:PORT` address.
    var port: Int {
        Int(address.split(separator: ":").last.map(String.init) ?? "") ?? 0
    }

    /// Whether the process is still running.
    var isRunning: Bool { !child.hasExited }

    /// SIGTERM (or `signal`), then the exit status; nil if it had to be killed.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM) -> Int32? { child.stop(signal) }

    /// How many descriptors the server has open (`/proc/PID/fd`).
    var openDescriptorCount: Int { openDescriptors.count }

    /// What the server's descriptors are: `socket:[123]`, `pipe:[456]`, `anon_inode:[eventfd]`…
    var openDescriptors: [String] {
        TestSupport.openDescriptors(ofProcess: pid).sorted { $0.key < $1.key }.map(\.value)
    }

    /// How many sockets, pipes and files the server has open: its descriptors less the
    /// runtime's own (epoll, eventfd, timerfd, signalfd), which Dispatch creates lazily.
    var connectionDescriptorCount: Int {
        openDescriptors.filter { !$0.hasPrefix("anon_inode:") }.count
    }

    /// The user plus system CPU time the server has used, in clock ticks (`/proc/PID/stat`).
    var cpuTicks: Int { ProcessStatistics.cpuTicks(of: pid) }

    /// Waits until the server has `count` sockets, pipes and files open or fewer.
    func waitForDescriptors(atMost count: Int, timeout: Duration = E2E.timeout) async -> Bool {
        await eventually(within: timeout) { connectionDescriptorCount <= count }
    }

    /// A client connected to this server.
    func connect(framing: Framing = .line) throws -> E2EClient {
        try E2EClient(address, framing: framing)
    }
}
