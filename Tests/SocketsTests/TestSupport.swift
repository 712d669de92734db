import Foundation
import Synchronization
import Testing
import TestSupport
import Sockets

#if canImport(Glibc)
import Glibc
#endif

/// Every socket suite is nested here and runs serially: the tests count the process's
/// open descriptors and measure timeouts, which tests running alongside would disturb.
/// A test that opens descriptors belongs inside this suite.
@Suite(.serialized)
enum SocketTests {}

// MARK: - Addresses and connections

/// Whether `::1` can be bound here; IPv6 tests are skipped with a reason when it cannot.
let isIPv6LoopbackAvailable: Bool = {
    guard let probe = try? Socket(.inet6, .stream) else { return false }
    defer { probe.close() }
    return (try? probe.bind(to: .ipv6(.loopback, port: 0))) != nil
}()

/// Skips the current test when `family` is IPv6 and `::1` is unavailable.
func requireLoopback(_ family: SocketFamily) throws {
    if family == .inet6 && !isIPv6LoopbackAvailable {
        try Test.cancel("::1 is not configured on this host; IPv6 loopback tests skipped")
    }
}

/// `127.0.0.1:port` or `[::1]:port`.
func loopback(_ family: SocketFamily, port: UInt16 = 0) -> SocketAddress {
    family == .inet6 ? .ipv6(.loopback, port: port) : .ipv4(.loopback, port: port)
}

/// A listening TCP socket on the loopback address of `family`, on a free port.
func makeListener(_ family: SocketFamily = .inet, backlog: Int = 16) throws -> Socket {
    let listener = try Socket(family, .stream)
    listener.timeout = testTimeout
    try listener.bind(to: loopback(family))
    try listener.listen(backlog: backlog)
    return listener
}

/// A connected TCP pair over the loopback of `family` (the listener is closed again).
func tcpPair(_ family: SocketFamily = .inet) throws -> (client: Socket, server: Socket) {
    let listener = try makeListener(family)
    defer { listener.close() }
    let client = try Socket(family, .stream)
    client.timeout = testTimeout
    try client.connect(to: listener.localAddress())
    let (server, _) = try listener.accept()
    server.timeout = testTimeout
    return (client, server)
}

/// A connected Unix socket pair of `type`, both ends with the test timeout.
func unixPair(_ type: SocketType = .stream) throws -> (Socket, Socket) {
    let (a, b) = try Socket.pair(.unix, type)
    a.timeout = testTimeout
    b.timeout = testTimeout
    return (a, b)
}

/// A connected stream pair of `family`: TCP over loopback, or a Unix socketpair.
func streamPair(_ family: SocketFamily) throws -> (Socket, Socket) {
    family == .unix ? try unixPair() : try tcpPair(family)
}

/// Waits up to `timeout` until poll reports `events` on `socket`; an error or a hang-up
/// also ends the wait (with no events at all, only they do).
func waitUntil(_ socket: Socket, polls events: Int16, timeout: Duration = testTimeout) throws {
    var entry = pollfd(fd: socket.fileDescriptor, events: events, revents: 0)
    let milliseconds = Int32(timeout.components.seconds * 1000)
    guard Glibc.poll(&entry, 1, milliseconds) == 1 else {
        throw HarnessError("poll for events \(events) timed out after \(timeout)")
    }
}

/// Waits until `socket` has something to read.
func waitReadable(_ socket: Socket) throws { try waitUntil(socket, polls: Int16(POLLIN)) }

/// Waits until `socket` is writable (e.g. a non-blocking connect has finished).
func waitWritable(_ socket: Socket) throws { try waitUntil(socket, polls: Int16(POLLOUT)) }

/// Waits until the kernel reports an error or hang-up on `socket`, e.g. the arrival of a reset.
func waitForErrorOrHangUp(_ socket: Socket) throws { try waitUntil(socket, polls: 0) }

/// Accepts the one connection queued on either listener (bounded by the test timeout).
func acceptFromEither(_ first: Socket, _ second: Socket) throws -> Socket {
    var entries = [pollfd(fd: first.fileDescriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: second.fileDescriptor, events: Int16(POLLIN), revents: 0)]
    guard Glibc.poll(&entries, 2, 10_000) > 0 else { throw HarnessError("no connection arrived") }
    let ready = entries[0].revents != 0 ? first : second
    guard case .completed(let (socket, _)) = try ready.tryAccept() else {
        throw HarnessError("poll said readable but accept would block")
    }
    return socket
}

/// Bytes of text.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Text of bytes.
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

// MARK: - Errors

/// Runs `body` and expects it to throw a ``SocketError`` of `kind`; returns the error.
@discardableResult
func expectSocketError(
    _ kind: SocketError.Kind, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> SocketError? {
    do {
        try body()
        Issue.record("expected a SocketError of kind \(kind), but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as SocketError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a SocketError of kind \(kind), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

// MARK: - Time

/// How long `body` takes, and what it threw.
func measure(_ body: () throws -> Void) -> (Duration, SocketError?) {
    let start = ContinuousClock.now
    do {
        try body()
        return (start.duration(to: .now), nil)
    } catch let error as SocketError {
        return (start.duration(to: .now), error)
    } catch {
        Issue.record("expected a SocketError, got \(error)")
        return (start.duration(to: .now), nil)
    }
}

// MARK: - Descriptors

/// The number of descriptors open in this process.
func openDescriptorCount() -> Int { openDescriptors().count }

/// Whether `fd` is an open descriptor.
func isOpen(_ fd: Int32) -> Bool {
    fcntl(fd, F_GETFD) != -1
}

/// Whether `fd` has close-on-exec set.
func isCloseOnExec(_ fd: Int32) -> Bool {
    fcntl(fd, F_GETFD) & FD_CLOEXEC != 0
}

/// Whether `fd` is in non-blocking mode.
func isNonBlocking(_ fd: Int32) -> Bool {
    fcntl(fd, F_GETFL) & O_NONBLOCK != 0
}

// MARK: - Files

/// A random abstract Unix socket name, unique to this test run.
func uniqueAbstractName(_ label: String) -> [UInt8] {
    bytes("sockets-tests-\(getpid())-\(label)-\(UInt64.random(in: 0...UInt64.max))")
}

// MARK: - Threads

/// Runs a closure on a thread of its own (never on the Swift concurrency pool, so it
/// may block) and hands back its result with a bounded ``join(timeout:)``.
final class BackgroundThread<Value: Sendable>: Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let started = DispatchSemaphore(value: 0)
    private let state = Mutex<(threadID: pid_t, result: Result<Value, any Error>?)>((0, nil))

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
