import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `sock` binary as a child process, for end-to-end tests: every wait is
/// bounded, and only processes the test started are signalled, by their PID.
enum SockProcess {
    /// The `sock` executable beside the test bundle (the directory of /proc/self/exe).
    static let binary: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("sock").path
    }()

    /// How a finished command ended and what it wrote.
    struct Outcome: Sendable {
        var status: Int32
        var standardOutput: [UInt8]
        var standardError: [UInt8]
        var output: String { String(decoding: standardOutput, as: UTF8.self) }
        var error: String { String(decoding: standardError, as: UTF8.self) }
    }

    /// Runs `sock ARGUMENTS` to its end on a thread of its own (so no cooperative
    /// thread blocks), with `input` on its stdin; kills it if it outlives `limit`.
    static func run(
        _ arguments: [String], input: [UInt8] = [], directory: String? = nil, limit: Duration = .seconds(20)
    ) async throws -> Outcome {
        // `env -C DIR` starts it in DIR (posix_spawn's chdir action is a GNU extension
        // that Swift does not see).
        let (program, arguments) = directory.map { ("env", ["-C", $0, binary] + arguments) } ?? (binary, arguments)
        return try await runOnThread { try runBlocking(program, arguments, input: input, limit: limit) }
    }

    /// Runs any program to its end; see ``run(_:input:directory:limit:)``.
    static func runProgram(_ program: String, _ arguments: [String], input: [UInt8] = [], limit: Duration = .seconds(20)) async throws -> Outcome {
        try await runOnThread { try runBlocking(program, arguments, input: input, limit: limit) }
    }

    private static func runBlocking(
        _ program: String, _ arguments: [String], input: [UInt8], limit: Duration
    ) throws -> Outcome {
        let deadline = ContinuousClock.now + limit
        // Standard input from a file, not a pipe: a child that exits without reading
        // it cannot raise SIGPIPE here.
        let stdin = try inputFile(input)
        defer { close(stdin) }
        let stdout = try CloseOnExecPipe()
        let stderr = try CloseOnExecPipe()
        let pid = try spawn(program, arguments, stdin: stdin, stdout: stdout.write, stderr: stderr.write)
        stdout.closeWrite()
        stderr.closeWrite()
        var output: [UInt8] = []
        var error: [UInt8] = []
        let finished = drain([(stdout.read, { output += $0 }), (stderr.read, { error += $0 })], until: deadline)
        guard finished, let status = waitForExit(pid, until: deadline) else {
            kill(pid, SIGKILL)
            _ = waitForExit(pid, until: .now + .seconds(5))
            throw SockProcessError("sock \(arguments.joined(separator: " ")) did not finish within \(limit)")
        }
        return Outcome(status: status, standardOutput: output, standardError: error)
    }

    /// Reads the descriptors until all reach end of file, or the deadline; whether all did.
    private static func drain(_ sources: [(Int32, ([UInt8]) -> Void)], until deadline: ContinuousClock.Instant) -> Bool {
        var open = sources
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
        defer { buffer.deallocate() }
        while !open.isEmpty {
            let remaining = deadline - .now
            guard remaining > .zero else { return false }
            var descriptors = open.map { pollfd(fd: $0.0, events: Int16(POLLIN), revents: 0) }
            let milliseconds = Int32(min(remaining.components.seconds * 1000 + 1, 1000))
            guard poll(&descriptors, nfds_t(descriptors.count), milliseconds) >= 0 || errno == EINTR else { return false }
            var index = 0
            for descriptor in descriptors {
                if descriptor.revents != 0 {
                    let count = read(descriptor.fd, buffer.baseAddress, buffer.count)
                    if count > 0 {
                        open[index].1(Array(buffer[..<count]))
                    } else if count == 0 || errno != EINTR {
                        open.remove(at: index)
                        continue
                    }
                }
                index += 1
            }
        }
        return true
    }

    /// An unlinked temporary file holding `bytes`, open for reading from its start.
    private static func inputFile(_ bytes: [UInt8]) throws -> Int32 {
        let path = "/tmp/sock-e2e-input-\(UInt64.random(in: 0 ... .max))"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SockProcessError("cannot create \(path)") }
        unlink(path)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, lseek(fd, 0, SEEK_SET) == 0 else {
            close(fd)
            throw SockProcessError("cannot write the input file")
        }
        return fd
    }

    /// Waits for `pid` to exit, polling until the deadline; its exit code (128 + N for
    /// signal N), or `nil` if it is still running.
    static func waitForExit(_ pid: pid_t, until deadline: ContinuousClock.Instant) -> Int32? {
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let signal = status & 0x7F
                return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
            }
            if result < 0 && errno != EINTR { return -1 }
            if ContinuousClock.now >= deadline { return nil }
            usleep(2000)
        }
    }

    /// Starts `program` with the given standard descriptors (closed-on-exec pipes stay
    /// out of every other child).
    static func spawn(
        _ program: String, _ arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, program, &actions, nil, argv, environ)
        guard status == 0 else { throw SockProcessError("cannot start \(program): \(String(cString: strerror(status)))") }
        return pid
    }

    /// Runs blocking work on a new thread and waits without blocking a cooperative thread.
    static func runOnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// Whether an executable named `program` is in a directory of `PATH`.
    static func isOnPath(_ program: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
    }

    /// A new, empty directory under /tmp.
    static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/sock-e2e-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { throw SockProcessError("mkdtemp failed") }
        return String(cString: path)
    }
}

/// A `sock serve …` running in the background: started, its address read from its
/// `listening on ADDR` line, and stopped with SIGTERM. Its stderr goes to a file.
final class SockServer: @unchecked Sendable {
    /// The server's PID.
    let pid: pid_t
    /// The address it printed, e.g. `127.0.0.1:40123` or `unix:/tmp/x.sock`.
    let address: String
    /// The file its stderr goes to.
    let logPath: String
    private let stdout: CloseOnExecPipe
    private var exited = false

    /// Starts `sock serve ARGUMENTS` and waits (at most 10 s) for its `listening on` line.
    init(_ arguments: [String], logDirectory: String) throws {
        logPath = logDirectory + "/server-\(UInt32.random(in: 0 ... .max)).log"
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let pipe = try CloseOnExecPipe()
        defer { close(log); close(devNull); pipe.closeWrite() }
        pid = try SockProcess.spawn(SockProcess.binary, ["serve"] + arguments, stdin: devNull, stdout: pipe.write, stderr: log)
        stdout = pipe
        var line: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(10)
        var byte: UInt8 = 0
        while line.last != UInt8(ascii: "\n") {
            var descriptor = pollfd(fd: stdout.read, events: Int16(POLLIN), revents: 0)
            let remaining = deadline - .now
            guard remaining > .zero, poll(&descriptor, 1, Int32(remaining.components.seconds * 1000 + 100)) > 0,
                  read(stdout.read, &byte, 1) == 1 else {
                kill(pid, SIGKILL)
                _ = SockProcess.waitForExit(pid, until: .now + .seconds(5))
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw SockProcessError("sock serve \(arguments.joined(separator: " ")) printed no address: \(log)")
            }
            line.append(byte)
        }
        let text = String(decoding: line.dropLast(), as: UTF8.self)
        guard text.hasPrefix("listening on ") else { throw SockProcessError("unexpected first line: \(text)") }
        address = String(text.dropFirst("listening on ".count))
    }

    /// Sends SIGTERM and waits (at most 10 s) for the exit; returns the exit code.
    func terminate() throws -> Int32 {
        kill(pid, SIGTERM)
        guard let status = SockProcess.waitForExit(pid, until: .now + .seconds(10)) else {
            throw SockProcessError("sock serve did not exit within 10 s of SIGTERM")
        }
        exited = true
        return status
    }

    /// What the server logged on stderr so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        if !exited {
            kill(pid, SIGKILL)
            _ = SockProcess.waitForExit(pid, until: .now + .seconds(5))
        }
    }
}

/// A one-way channel whose ends are closed on exec, so that no other child inherits
/// them: a Unix socket pair made with `SOCK_CLOEXEC` (`pipe2` is a GNU extension that
/// Swift does not see).
final class CloseOnExecPipe {
    let read: Int32
    let write: Int32
    private var readOpen = true
    private var writeOpen = true

    init() throws {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw SockProcessError("socketpair failed")
        }
        read = fds[0]
        write = fds[1]
    }

    func closeRead() {
        if readOpen { close(read); readOpen = false }
    }

    func closeWrite() {
        if writeOpen { close(write); writeOpen = false }
    }

    deinit {
        closeRead()
        closeWrite()
    }
}

/// A failure of the end-to-end harness.
struct SockProcessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
