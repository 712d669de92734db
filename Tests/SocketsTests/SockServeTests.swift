import Foundation
import Synchronization
import Testing
@testable import Sockets

#if canImport(Glibc)
import Glibc
#endif

extension AsyncTests {
    /// `sock serve echo` as a process: its one stdout line, echo, signals, limits, and
    /// recovery from running out of descriptors.
    @Suite struct SockServeTests {
        @Test(arguments: [SIGTERM, SIGINT])
        func serveEcho_PrintsOneLine_Echoes_AndExitsZeroOnSignal(signal: Int32) async throws {
            let baseline = try await AsyncChildProcess.descriptorBaseline()
            try await {
                let child = try await AsyncChildProcess.sock(["serve", "echo", "--listen", "localhost:0"])
                defer { child.kill() }
                let line = try await child.readLine()
                let match = try #require(line.wholeMatch(of: /listening on 127\.0\.0\.1:(\d+)/), "stdout: \(line)")
                let port = try #require(UInt16(match.1))
                #expect(port != 0)

                let client = try await AsyncTest.connect(to: .ipv4(.loopback, port: port))
                #expect(try await AsyncTest.roundTrip(client, AsyncTest.bytes("hello sock")) == AsyncTest.bytes("hello sock"))
                let big = AsyncTest.payload(client: 99, round: 7) + [UInt8](repeating: 7, count: 200_000)
                #expect(try await AsyncTest.roundTrip(client, big) == big)

                child.send(signal)
                let status = try await child.waitForExit(within: .seconds(10))
                #expect(status == .exit(0))
                try await AsyncTest.expectClosedByPeer(client)
                client.close()
                #expect(try await child.readRemainingOutput() == "", "exactly one line on stdout")
                child.closePipes()
            }()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func serveEcho_OnAUnixSocket_EchoesAndRemovesTheSocketFile() async throws {
            let directory = try AsyncTemporaryDirectory()
            defer { directory.remove() }
            let path = directory.path("echo.sock")
            let child = try await AsyncChildProcess.sock(["serve", "echo", "--listen", "unix:\(path)", "--quiet"])
            defer { child.kill() }
            #expect(try await child.readLine() == "listening on unix:\(path)")

            let client = try await AsyncTest.connect(to: .unix(path: path))
            #expect(try await AsyncTest.roundTrip(client, AsyncTest.bytes("over unix")) == AsyncTest.bytes("over unix"))
            client.close()

            child.send(SIGTERM)
            #expect(try await child.waitForExit(within: .seconds(10)) == .exit(0))
            #expect(!FileManager.default.fileExists(atPath: path), "SPEC §4: the unix socket file is removed on exit")
            #expect(try await child.readRemainingOutput() == "")
            child.closePipes()
        }

        @Test func serveEcho_AppliesMaxConnectionsAndIdleTimeout() async throws {
            let child = try await AsyncChildProcess.sock([
                "serve", "echo", "--listen", "127.0.0.1:0", "--max-connections", "1", "--idle-timeout", "0.3",
            ])
            defer { child.kill() }
            let address = try AsyncChildProcess.listeningAddress(try await child.readLine())
            let first = try await AsyncTest.connect(to: address)
            defer { first.close() }
            let start = ContinuousClock.now
            #expect(try await AsyncTest.roundTrip(first, AsyncTest.bytes("one")) == AsyncTest.bytes("one"))
            let second = try await AsyncTest.connect(to: address)
            defer { second.close() }
            try await AsyncTest.expectClosedByPeer(second, within: .seconds(3))
            // The first one, now silent, is closed by the idle timeout.
            try await AsyncTest.expectClosedByPeer(first, within: .seconds(5))
            #expect(ContinuousClock.now - start >= .milliseconds(250))
            child.send(SIGTERM)
            #expect(try await child.waitForExit(within: .seconds(10)) == .exit(0))
            let log = child.standardError
            #expect(log.contains("connection opened"), "without --quiet, connections are logged on stderr: \(log)")
            child.closePipes()
        }

        /// Under `ulimit -n 64` a hundred clients exhaust the server's descriptors. It must
        /// neither exit nor spin (little CPU time while saturated), and serve again once
        /// the clients are gone.
        @Test func serveEcho_OutOfDescriptors_BacksOffAndRecovers() async throws {
            let baseline = try await AsyncChildProcess.descriptorBaseline()
            try await Self.saturateAndRecover(limit: 64, clientCount: 100)
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        static func saturateAndRecover(limit: Int, clientCount: Int) async throws {
            let child = try await AsyncChildProcess.launch(
                "/bin/sh",
                ["-c", "ulimit -n \(limit); exec \"$0\" serve echo --listen 127.0.0.1:0 --quiet",
                 AsyncChildProcess.sockPath()])
            defer { child.kill() }
            let address = try AsyncChildProcess.listeningAddress(try await child.readLine())

            var clients: [Socket] = []
            defer { for client in clients { client.close() } }
            for _ in 0..<clientCount { clients.append(try await AsyncTest.connect(to: address)) }
            try await AsyncTest.eventually("the server runs out of descriptors") {
                child.standardError.contains("too many open files")
            }
            // Out of descriptors, it keeps a few free while it waits: a process left at its
            // limit is killed by libdispatch's thread-pool monitor (SIGILL) once it cannot
            // open /proc/TID/stat.
            try await AsyncTest.eventually("the saturated server keeps descriptors to spare") {
                child.openDescriptorCount() <= limit - 4
            }
            // The connections it did accept are served while it is saturated.
            for index in 0..<5 {
                let message = AsyncTest.bytes("saturated \(index)")
                #expect(try await AsyncTest.roundTrip(clients[index], message) == message)
            }
            let before = child.cpuTime()
            try await Task.sleep(for: .seconds(1))
            let spent = child.cpuTime() - before
            #expect(spent < .milliseconds(250), "the accept loop must back off, not spin: \(spent) of CPU in 1 s")
            try #require(child.isRunning, "the server exited; stderr: \(child.standardError)")

            for client in clients { client.close() }
            let fresh = try await AsyncTest.connect(to: address)
            defer { fresh.close() }
            #expect(try await AsyncTest.roundTrip(fresh, AsyncTest.bytes("served again"), within: .seconds(10))
                    == AsyncTest.bytes("served again"))
            try #require(child.isRunning, "the server exited; stderr: \(child.standardError)")

            child.send(SIGTERM)
            #expect(try await child.waitForExit(within: .seconds(10)) == .exit(0))
            child.closePipes()
        }
    }
}

/// A child process with its stdout on a pipe and its stderr in a file, for a test.
final class AsyncChildProcess: @unchecked Sendable {
    enum Status: Equatable, CustomStringConvertible {
        case exit(Int32)
        case signal(Int32)
        var description: String {
            switch self {
            case .exit(let code): return "exit \(code)"
            case .signal(let number): return "signal \(number)"
            }
        }
    }

    fileprivate let process = Process()
    fileprivate let output = Pipe()
    private let errorFile: URL
    /// Our copy of the child's stderr, closed once the child has its own.
    private let errorHandle: FileHandle
    /// Stdout bytes read but not yet returned; used by one reader at a time.
    private let pending = Mutex<[UInt8]>([])

    /// ``AsyncTest/descriptorBaseline()`` after a first child process, which makes
    /// Foundation start what it keeps for watching children.
    static func descriptorBaseline() async throws -> [Int32: String] {
        if let first = try? await launch("/bin/true", []) {
            _ = try? await first.waitForExit(within: .seconds(5))
            first.closePipes()
        }
        return try await AsyncTest.descriptorBaseline()
    }

    /// The `sock` executable built next to the test bundle.
    static func sockPath() -> String {
        var target = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &target, target.count - 1)
        let bundle = String(decoding: target[..<max(length, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("sock").path
    }

    /// Runs the built `sock` with `arguments`.
    static func sock(_ arguments: [String]) async throws -> AsyncChildProcess {
        try await launch(sockPath(), arguments)
    }

    /// Starts `executable`. `Process.run()` creates a run loop, with descriptors, on the
    /// calling thread and keeps it: it is called on one thread kept for that, so the
    /// process does not collect a run loop per thread of the cooperative pool.
    static func launch(_ executable: String, _ arguments: [String]) async throws -> AsyncChildProcess {
        let child = try AsyncChildProcess(executable, arguments)
        defer { try? child.errorHandle.close() }
        try await AsyncLauncherThread.shared.run { try child.process.run() }
        return child
    }

    /// The address in a `listening on ADDRESS` line.
    static func listeningAddress(_ line: String) throws -> SocketAddress {
        guard line.hasPrefix("listening on "), let address = SocketAddress(String(line.dropFirst(13))) else {
            throw AsyncTestFailure("not a 'listening on ADDRESS' line: '\(line)'")
        }
        return address
    }

    private init(_ executable: String, _ arguments: [String]) throws {
        errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("sock-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        errorHandle = try FileHandle(forWritingTo: errorFile)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errorHandle
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// What the process wrote to stderr so far.
    var standardError: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    func send(_ signal: Int32) { Glibc.kill(pid, signal) }

    /// Kills the process if it still runs and removes its stderr file.
    func kill() {
        if process.isRunning { Glibc.kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(at: errorFile)
    }

    func closePipes() {
        try? output.fileHandleForReading.close()
    }

    /// The next line on stdout, without its newline.
    func readLine(within limit: Duration = .seconds(10)) async throws -> String {
        let fd = output.fileHandleForReading.fileDescriptor
        let end = ContinuousClock.now + limit
        return try await AsyncTest.onThread { [self] in
            while true {
                if let line = pending.withLock({ pending -> String? in
                    guard let newline = pending.firstIndex(of: 10) else { return nil }
                    defer { pending.removeFirst(newline + 1) }
                    return String(decoding: pending[..<newline], as: UTF8.self)
                }) {
                    return line
                }
                guard let chunk = try Self.read(fd, until: end), !chunk.isEmpty else {
                    throw AsyncTestFailure("stdout ended without a line; stderr: \(standardError)")
                }
                pending.withLock { $0 += chunk }
            }
        }
    }

    /// Everything still unread on stdout, up to its end.
    func readRemainingOutput(within limit: Duration = .seconds(5)) async throws -> String {
        let fd = output.fileHandleForReading.fileDescriptor
        let end = ContinuousClock.now + limit
        return try await AsyncTest.onThread { [self] in
            var all = pending.withLock { pending in
                defer { pending.removeAll() }
                return pending
            }
            while let chunk = try Self.read(fd, until: end), !chunk.isEmpty { all += chunk }
            return String(decoding: all, as: UTF8.self)
        }
    }

    /// One read from `fd` once it is readable; empty at end of file; throws past `end`.
    private static func read(_ fd: Int32, until end: ContinuousClock.Instant) throws -> [UInt8]? {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let left = end - ContinuousClock.now
            guard left > .zero else { throw AsyncTestFailure("timed out reading the child's stdout") }
            let ready = poll(&entry, 1, Int32(clamping: left.components.seconds * 1000 + 1))
            if ready > 0 { break }
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = Glibc.read(fd, &buffer, buffer.count)
        guard count >= 0 else { throw AsyncTestFailure("read from the child's stdout failed: errno \(errno)") }
        return Array(buffer[..<count])
    }

    /// Waits (bounded) for the process to end.
    func waitForExit(within limit: Duration) async throws -> Status {
        try await AsyncTest.eventually("the child exits", within: limit) { !process.isRunning }
        switch process.terminationReason {
        case .exit: return .exit(process.terminationStatus)
        case .uncaughtSignal: return .signal(process.terminationStatus)
        @unknown default: return .exit(-1)
        }
    }

    /// User plus system CPU time, from `/proc/PID/stat`.
    func cpuTime() -> Duration {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .zero }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime field 14, stime field 15.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return .zero }
        let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))
        return .milliseconds((user + system) * 1000 / max(ticksPerSecond, 1))
    }

    /// The descriptors the process has open.
    func openDescriptorCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }
}

/// A thread that stays, running the closures given to it one after another.
final class AsyncLauncherThread: Sendable {
    static let shared = AsyncLauncherThread()

    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let available = DispatchSemaphore(value: 0)

    private init() {
        AsyncTest.startThread { [self] in
            while true {
                available.wait()
                let job = jobs.withLock { $0.removeFirst() }
                job()
            }
        }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            jobs.withLock { $0.append { continuation.resume(with: Result { try body() }) } }
            available.signal()
        }
    }
}
