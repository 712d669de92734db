import Foundation
import Framing
import Sockets
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Support for the end-to-end tests: they run the built `sock` binary (and python3
// scripts) as separate processes and talk to them over loopback and Unix sockets.
// Every name here starts with `E2E`; every wait is bounded.

/// All end-to-end suites, one test at a time: each starts its own server processes,
/// and some measure latency or count descriptors, which parallel load would disturb.
@Suite(.serialized) enum E2ESuite {}

/// A failure of the test harness itself (a process that did not start or answer).
struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Constants and small helpers shared by the suites.
enum E2E {
    /// How long any single wait may take before a test fails instead of hanging.
    static let timeout: Duration = .seconds(10)

    /// `duration` in seconds, for Foundation's APIs.
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Polls `condition` (for state only visible from outside, like `/proc`) until it
    /// holds or `timeout` passes.
    static func eventually(timeout: Duration = E2E.timeout, _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            usleep(10_000)
        }
        return true
    }

    /// `message` framed by `framing`.
    static func framed(_ message: [UInt8], _ framing: Framing) throws -> [UInt8] {
        var output: [UInt8] = []
        try framing.encode(message, into: &output)
        return output
    }

    /// The UTF-8 bytes of a text.
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A deterministic pseudo-random byte pattern; its first 256 bytes are 0...255.
    static func pattern(count: Int, seed: UInt32 = 1) -> [UInt8] {
        var state = seed &* 2_654_435_761 | 1
        return (0..<count).map { index in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return index < 256 ? UInt8(index) : UInt8(truncatingIfNeeded: state)
        }
    }
}

/// Where the binaries and scripts are.
enum E2EPaths {
    /// The build products folder: `swift build` puts `sock` next to the test bundle.
    static let buildDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (executable as NSString).deletingLastPathComponent
    }()

    /// The `sock` executable under test.
    static var sock: String { buildDirectory + "/sock" }

    /// `Tests/Python`, where the seeds' clients ported to Python 3 live.
    static let pythonDirectory: String = {
        let testsDirectory = ((#filePath as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        return testsDirectory + "/Python"
    }()

    /// A script in `Tests/Python`.
    static func python(_ name: String) -> String { pythonDirectory + "/" + name }

    /// A new empty directory under the system's temporary directory.
    static func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/sock-e2e-XXXXXX").utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw E2EError("mkdtemp failed: errno \(errno)")
        }
        return String(cString: result)
    }
}

/// Everything a child process writes to one of its pipes, collected by a reader thread
/// (so the child never blocks on a full pipe), with bounded waits on what arrived.
final class E2EStream: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer: [UInt8] = []
    private var ended = false

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            let fd = handle.fileDescriptor
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                condition.lock()
                if count > 0 { buffer += chunk[..<count] } else { ended = true }
                condition.broadcast()
                condition.unlock()
                if count <= 0 { break }
            }
            try? handle.close()
        }
        thread.start()
    }

    /// The bytes so far.
    var bytes: [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        return buffer
    }

    /// The bytes so far as text.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The complete lines so far.
    var lines: [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()
        return lines
    }

    /// Waits until `predicate` holds for the bytes so far (and whether the stream ended).
    @discardableResult
    func wait(timeout: Duration = E2E.timeout, until predicate: ([UInt8], Bool) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: E2E.seconds(timeout))
        condition.lock()
        defer { condition.unlock() }
        while !predicate(buffer, ended) {
            if ended || !condition.wait(until: deadline) { return predicate(buffer, ended) }
        }
        return true
    }

    /// Waits for the end of the stream (the writer closed it or exited).
    @discardableResult
    func waitForEnd(timeout: Duration = E2E.timeout) -> Bool {
        wait(timeout: timeout) { _, ended in ended }
    }

    /// Waits until the text contains `needle` at least `count` times.
    @discardableResult
    func wait(forText needle: String, count: Int = 1, timeout: Duration = E2E.timeout) -> Bool {
        wait(timeout: timeout) { bytes, _ in
            String(decoding: bytes, as: UTF8.self).components(separatedBy: needle).count - 1 >= count
        }
    }
}

/// A child process with its stdout and stderr collected.
final class E2EProcess: @unchecked Sendable {
    let process = Process()
    let standardOutput: E2EStream
    let standardError: E2EStream
    private let standardInput: Pipe?
    private let exit = E2EExitState()

    /// Starts `executable` with `arguments`.
    ///
    /// - Parameters:
    ///   - input: Bytes written to its stdin (then closed); nil: stdin is `/dev/null`.
    ///   - keepingStandardInputOpen: Give it a stdin pipe that stays open: the test
    ///     writes with ``writeInput(_:)`` and ends it with ``closeInput()``.
    ///   - closingStandardError: Close the reading end of its stderr pipe at once, so
    ///     every write there fails with `EPIPE` (and raises SIGPIPE).
    init(
        _ executable: String, _ arguments: [String], input: [UInt8]? = nil, keepingStandardInputOpen: Bool = false,
        closingStandardError: Bool = false
    ) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        if input != nil || keepingStandardInputOpen {
            let pipe = Pipe()
            process.standardInput = pipe
            standardInput = pipe
        } else {
            process.standardInput = FileHandle.nullDevice
            standardInput = nil
        }
        process.terminationHandler = { [exit] process in
            exit.record(process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus)
        }
        try Self.withDefaultSignalMask { [process] in try process.run() }
        standardOutput = E2EStream(output.fileHandleForReading)
        if closingStandardError {
            try error.fileHandleForReading.close()
            let nothing = Pipe()
            try nothing.fileHandleForWriting.close()
            standardError = E2EStream(nothing.fileHandleForReading)
        } else {
            standardError = E2EStream(error.fileHandleForReading)
        }
        if let input, let pipe = standardInput {
            // A writer thread: the child may answer before it has read all of its input.
            let writer = pipe.fileHandleForWriting
            Thread {
                try? writer.write(contentsOf: Data(input))
                try? writer.close()
            }.start()
        }
    }

    /// Runs `body` (which starts a child) on a thread of its own that blocks no signals.
    ///
    /// A child inherits the signal mask of the thread that spawns it, and the threads
    /// Swift concurrency runs tests on block nearly every signal: spawned from them, a
    /// child would not see SIGTERM, and SIGPIPE could never kill it.
    private static func withDefaultSignalMask(_ body: @escaping @Sendable () throws -> Void) throws {
        let done = E2EExitState()
        let failure = Mutex<(any Error)?>(nil)
        Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            do {
                try body()
            } catch {
                failure.withLock { $0 = error }
            }
            done.record(0)
        }.start()
        guard done.wait(timeout: E2E.timeout) != nil else { throw E2EError("the child did not start in time") }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// The child's process id.
    var pid: Int32 { process.processIdentifier }

    /// Writes to the child's stdin (started with `keepingStandardInputOpen`).
    func writeInput(_ bytes: [UInt8]) throws {
        try standardInput?.fileHandleForWriting.write(contentsOf: Data(bytes))
    }

    /// Ends the child's stdin (started with `keepingStandardInputOpen`).
    func closeInput() {
        try? standardInput?.fileHandleForWriting.close()
    }

    /// Sends `signal` to the child, by its pid.
    func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the child to exit: its exit code, 128 + N if signal N ended it, nil on timeout.
    @discardableResult
    func waitForExit(timeout: Duration = E2E.timeout) -> Int32? {
        exit.wait(timeout: timeout)
    }

    /// Whether the child has exited.
    var hasExited: Bool { exit.wait(timeout: .zero) != nil }

    /// Sends `signal` and waits for the exit; kills the child if it does not exit in time.
    ///
    /// - Returns: The exit status, or nil if the child had to be killed.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM, timeout: Duration = E2E.timeout) -> Int32? {
        if hasExited { return waitForExit(timeout: .zero) }
        send(signal)
        if let status = waitForExit(timeout: timeout) { return status }
        send(SIGKILL)
        waitForExit()
        return nil
    }
}

/// A child's exit status, set once by Foundation's termination handler.
final class E2EExitState: @unchecked Sendable {
    private let condition = NSCondition()
    private var status: Int32?

    func record(_ status: Int32) {
        condition.lock()
        self.status = status
        condition.broadcast()
        condition.unlock()
    }

    /// The status, waiting up to `timeout` for it; nil if the child is still running.
    func wait(timeout: Duration) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: E2E.seconds(timeout))
        condition.lock()
        defer { condition.unlock() }
        while status == nil {
            if !condition.wait(until: deadline) { break }
        }
        return status
    }
}

/// The result of a command run to completion.
struct E2EResult {
    var status: Int32
    var standardOutput: [UInt8]
    var standardError: String

    var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
    var errorLines: [String] { standardError.split(separator: "\n").map(String.init) }
}

/// Runs commands to completion.
enum E2ERun {
    /// Runs `executable` with stdin `input`; kills it past `timeout`.
    static func process(
        _ executable: String, _ arguments: [String], input: [UInt8] = [], timeout: Duration = .seconds(20)
    ) throws -> E2EResult {
        let child = try E2EProcess(executable, arguments, input: input)
        guard let status = child.waitForExit(timeout: timeout) else {
            child.stop(SIGKILL)
            throw E2EError("\(executable) \(arguments) did not exit within \(timeout); stderr: \(child.standardError.text)")
        }
        child.standardOutput.waitForEnd()
        child.standardError.waitForEnd()
        return E2EResult(status: status, standardOutput: child.standardOutput.bytes,
                         standardError: child.standardError.text)
    }

    /// Runs `sock ARGUMENTS`.
    static func sock(_ arguments: [String], input: [UInt8] = [], timeout: Duration = .seconds(20)) throws -> E2EResult {
        try process(E2EPaths.sock, arguments, input: input, timeout: timeout)
    }

    /// Runs `sock ARGUMENTS` with `input` text on stdin.
    static func sock(_ arguments: [String], input: String, timeout: Duration = .seconds(20)) throws -> E2EResult {
        try sock(arguments, input: Array(input.utf8), timeout: timeout)
    }

    /// Runs a script of `Tests/Python` with python3.
    static func python(_ script: String, _ arguments: [String], input: String = "", timeout: Duration = .seconds(20)) throws -> E2EResult {
        try process("/usr/bin/env", ["python3", E2EPaths.python(script)] + arguments, input: Array(input.utf8), timeout: timeout)
    }
}

/// A running server process that announced `listening on ADDR` on stdout.
final class E2EServer: @unchecked Sendable {
    let child: E2EProcess
    /// The address from the `listening on` line, as printed.
    let address: String

    /// Starts `executable` and waits for its `listening on ADDR` line.
    init(executable: String, arguments: [String], closingStandardError: Bool = false) throws {
        child = try E2EProcess(executable, arguments, closingStandardError: closingStandardError)
        let announced = child.standardOutput.wait { bytes, _ in bytes.contains(UInt8(ascii: "\n")) }
        guard announced, let line = child.standardOutput.lines.first, line.hasPrefix("listening on ") else {
            child.stop(SIGKILL)
            throw E2EError("\(arguments) did not announce its address; stdout: \(child.standardOutput.text) stderr: \(child.standardError.text)")
        }
        address = String(line.dropFirst("listening on ".count))
    }

    /// A server a test forgot to stop (or left when it failed) does not outlive it.
    deinit {
        if isRunning { child.stop(SIGKILL) }
    }

    /// Starts `sock serve SERVICE OPTIONS --listen LISTEN`.
    static func serve(_ service: String, _ options: [String] = [], listen: String = "127.0.0.1:0") throws -> E2EServer {
        try E2EServer(executable: E2EPaths.sock, arguments: ["serve", service, "--listen", listen] + options)
    }

    /// Starts a script of `Tests/Python` that prints `listening on ADDR` itself.
    static func python(_ script: String, _ arguments: [String] = []) throws -> E2EServer {
        try E2EServer(executable: "/usr/bin/env", arguments: ["python3", E2EPaths.python(script)] + arguments)
    }

    var pid: Int32 { child.pid }
    var standardError: E2EStream { child.standardError }
    var standardOutput: E2EStream { child.standardOutput }

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
        let directory = "/proc/\(pid)/fd"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + $0) }
    }

    /// How many sockets, pipes and files the server has open: its descriptors less the
    /// runtime's own (epoll, eventfd, timerfd, signalfd), which Dispatch creates lazily.
    var connectionDescriptorCount: Int {
        openDescriptors.filter { !$0.hasPrefix("anon_inode:") }.count
    }

    /// The user plus system CPU time the server has used, in clock ticks (`/proc/PID/stat`).
    var cpuTicks: Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let afterName = stat.range(of: ") ", options: .backwards) else { return -1 }
        let fields = stat[afterName.upperBound...].split(separator: " ")
        // Fields 14 and 15 of stat(5) (utime, stime); the slice starts at field 3.
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// Waits until the server has `count` sockets, pipes and files open or fewer.
    @discardableResult
    func waitForDescriptors(atMost count: Int, timeout: Duration = E2E.timeout) -> Bool {
        E2E.eventually(timeout: timeout) { connectionDescriptorCount <= count }
    }

    /// A client connected to this server.
    func connect(framing: Framing = .line) throws -> E2EClient {
        try E2EClient(address, framing: framing)
    }
}

/// A blocking TCP or Unix stream client with a timeout on every call, speaking one framing.
final class E2EClient {
    let socket: Socket
    let framing: Framing
    private var decoder: AnyByteMessageDecoder

    /// Connects to `address` (SPEC §2 text).
    init(_ address: String, framing: Framing = .line, timeout: Duration = E2E.timeout) throws {
        socket = try Socket.connect(to: address, timeout: timeout)
        self.framing = framing
        decoder = framing.makeDecoder(maximumLength: 64 * 1024 * 1024)
    }

    /// Wraps a connected socket.
    init(socket: Socket, framing: Framing = .line, timeout: Duration = E2E.timeout) {
        self.socket = socket
        socket.timeout = timeout
        self.framing = framing
        decoder = framing.makeDecoder(maximumLength: 64 * 1024 * 1024)
    }

    deinit { socket.close() }

    /// Sends one message, framed.
    func send(_ message: [UInt8]) throws {
        var output: [UInt8] = []
        try framing.encode(message, into: &output)
        try socket.sendAll(output)
    }

    /// Sends one text message, framed.
    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends bytes as they are, without framing.
    func sendRaw(_ bytes: [UInt8]) throws { try socket.sendAll(bytes) }

    /// The next message; nil at the end of the stream.
    func receive() throws -> [UInt8]? { try socket.recvMessage(&decoder) }

    /// The next message as text; nil at the end of the stream.
    func receiveText() throws -> String? { try receive().map { String(decoding: $0, as: UTF8.self) } }

    /// `count` bytes, ignoring framing (fewer only if the stream ends; more if the decoder
    /// already held more).
    func receiveRaw(count: Int) throws -> [UInt8] {
        var bytes = decoder.takeBuffered()
        while bytes.count < count {
            let chunk = try socket.recv(count - bytes.count)
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return bytes
    }

    /// Every byte until the server closes, ignoring framing.
    func receiveRawUntilClosed() throws -> [UInt8] {
        var bytes = decoder.takeBuffered()
        while case let chunk = try socket.recv(64 * 1024), !chunk.isEmpty {
            bytes += chunk
        }
        return bytes
    }

    /// Every message until the server closes.
    func receiveAllText() throws -> [String] {
        var messages: [String] = []
        while let message = try receiveText() { messages.append(message) }
        return messages
    }

    /// Whether the server closed the connection (end of stream or reset) within the
    /// timeout, discarding whatever arrives first.
    func isClosedByServer(timeout: Duration = E2E.timeout) -> Bool {
        socket.timeout = timeout
        let deadline = ContinuousClock.now + timeout
        do {
            while try !socket.recv(64 * 1024).isEmpty {
                if ContinuousClock.now >= deadline { return false }
            }
            return true
        } catch {
            return error.kind == .connectionReset
        }
    }

    /// Ends the sending direction (a half-close): the server sees end of stream.
    func finishSending() throws { try socket.shutdown(.write) }

    /// Closes with a reset (`SO_LINGER` 0) instead of an orderly FIN.
    func reset() {
        try? socket.setOption(.linger, .zero)
        socket.close()
    }
}

/// A UDP client bound to an ephemeral loopback port.
final class E2EDatagramClient {
    let socket: Socket
    let server: SocketAddress

    init(_ address: String, timeout: Duration = E2E.timeout) throws {
        guard let target = try Resolver.resolve(address, type: .datagram).first else {
            throw E2EError("\(address) does not resolve")
        }
        server = target
        socket = try Socket(target.family, .datagram)
        socket.timeout = timeout
        try socket.bind(to: SocketAddress(target.family == .inet6 ? "[::1]:0" : "127.0.0.1:0")!)
    }

    deinit { socket.close() }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws { _ = try socket.sendTo(bytes, server) }

    /// The next datagram from the server.
    func receive() throws -> [UInt8] {
        while true {
            let (bytes, sender) = try socket.recvFrom(65_536)
            if sender == server { return bytes }
        }
    }

    func receiveText() throws -> String { String(decoding: try receive(), as: UTF8.self) }

    /// Whether no datagram arrives within `timeout`.
    func receivesNothing(within timeout: Duration) -> Bool {
        let saved = socket.timeout
        defer { socket.timeout = saved }
        socket.timeout = timeout
        return (try? socket.recvFrom(65_536)) == nil
    }
}

/// A port on 127.0.0.1 where nothing listens: a socket bound to it but not listening,
/// kept open so no other test takes the port (a connection to it is refused).
final class E2EClosedPort {
    let socket: Socket
    let port: Int

    init() throws {
        socket = try Socket(.inet, .stream)
        try socket.bind(to: SocketAddress("127.0.0.1:0")!)
        port = Int(try socket.localAddress().port ?? 0)
    }

    deinit { socket.close() }
}

/// Sends bytes from a thread of its own, so a test can read the replies meanwhile
/// (a big payload would otherwise fill both directions' buffers and deadlock).
final class E2ESender: @unchecked Sendable {
    private let done = E2EExitState()
    private let failure = NSLock()
    private var error: (any Error)?

    init(_ socket: Socket, _ bytes: [UInt8], halfClose: Bool = false) {
        Thread { [self] in
            do {
                try socket.sendAll(bytes)
                if halfClose { try socket.shutdown(.write) }
            } catch {
                failure.withLock { self.error = error }
            }
            done.record(0)
        }.start()
    }

    /// Waits until everything was sent; false on a send error or timeout.
    func wait(timeout: Duration = E2E.timeout) -> Bool {
        done.wait(timeout: timeout) != nil && failure.withLock { error == nil }
    }
}

/// The local time formatted like Python's `time.ctime()`, computed independently of the server.
enum E2ETime {
    /// `time.ctime()`: `Sun Nov  1 01:50:47 2026` (the day padded with a space).
    static func ctimeNow() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let day = parts.tm_mday < 10 ? " \(parts.tm_mday)" : "\(parts.tm_mday)"
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]) \(months[Int(parts.tm_mon)]) \(day) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) \(parts.tm_year + 1900)"
    }
}

/// Chat room set-ups.
enum E2EChat {
    /// Three members, guest-1 to guest-3, each past the join notices it receives.
    static func room(_ server: E2EServer) throws -> (E2EClient, E2EClient, E2EClient) {
        let a = try server.connect()
        #expect(try a.receiveText() == "* guest-1 joined")
        let b = try server.connect()
        #expect(try b.receiveText() == "* guest-2 joined")
        #expect(try a.receiveText() == "* guest-2 joined")
        let c = try server.connect()
        #expect(try c.receiveText() == "* guest-3 joined")
        #expect(try a.receiveText() == "* guest-3 joined")
        #expect(try b.receiveText() == "* guest-3 joined")
        return (a, b, c)
    }
}

/// Helpers for the robustness tests.
enum E2EStorm {
    /// Serves one connection to the end, then returns how many sockets, pipes and files
    /// the server has open: what it must come back to once its clients are gone.
    static func baseline(_ server: E2EServer) throws -> Int {
        let client = try server.connect(framing: .raw)
        let peer = try client.socket.localAddress().description
        try client.sendRaw(E2E.bytes("warm\n"))
        _ = try client.socket.recv(100)
        client.socket.close()
        #expect(server.standardError.wait(forText: "connection closed peer=\(peer)"))
        return server.connectionDescriptorCount
    }

    /// Expects one normal exchange with a new client of `service` (line framing).
    static func expectServes(_ server: E2EServer, _ service: String) throws {
        let client = try server.connect()
        switch service {
        case "hello":
            #expect(try client.receiveText() == "Welcome!")
            try client.send("ok")
            #expect(try client.receiveText() == "Hello, ok!")
        case "chat":
            let joined = try #require(try client.receiveText())
            #expect(joined.wholeMatch(of: /\* guest-\d+ joined/) != nil, "got \(joined)")
            try client.send("/who")
            #expect(try client.receiveText()?.hasPrefix("* online: ") == true)
        case "upper":
            try client.send("ok")
            #expect(try client.receiveText() == "OK")
        default:
            try client.send("ok")
            #expect(try client.receiveText() == "ok")
        }
    }

    /// Whether the server uses (almost) no CPU over half a second: it does not spin.
    static func isIdle(_ server: E2EServer) -> Bool {
        let before = server.cpuTicks
        usleep(500_000)
        let used = server.cpuTicks - before
        return used <= 10
    }

    /// Sends `unit` over and over without reading, until the socket stays unwritable
    /// for 300 ms (the server stopped reading) or 256 MiB went out.
    ///
    /// - Returns: The bytes sent.
    static func fillUntilStalled(_ socket: Socket, unit: [UInt8]) throws -> Int {
        var total = 0
        var pending = unit[...]
        while total < 256 * 1024 * 1024 {
            let result = try pending.withUnsafeBytes { try socket.trySend($0) }
            guard case .completed(let sent) = result else {
                if !isWritable(socket, withinMilliseconds: 300) { return total }
                continue
            }
            total += sent
            pending = pending.dropFirst(sent)
            if pending.isEmpty { pending = unit[...] }
        }
        return total
    }

    /// Whether `socket` becomes writable within the time given.
    static func isWritable(_ socket: Socket, withinMilliseconds milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: socket.fileDescriptor, events: Int16(POLLOUT), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    /// Retries for up to the timeout until a new line-framed echo connection is served.
    static func eventuallyAdmitted(_ server: E2EServer) -> Bool {
        E2E.eventually {
            guard let client = try? E2EClient(server.address, timeout: .seconds(2)),
                  (try? client.send("admitted?")) != nil else { return false }
            return (try? client.receiveText()) == "admitted?"
        }
    }
}

/// `sock bench --json` output.
enum E2EBench {
    /// The one JSON object on stdout (and nothing else there).
    static func report(_ result: E2EResult) throws -> [String: Any] {
        let lines = result.outputText.split(separator: "\n")
        guard lines.count == 1,
              let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any] else {
            throw E2EError("expected one JSON object line, got: \(result.outputText) stderr: \(result.standardError)")
        }
        return object
    }
}
