import TestSupport
import Testing

@testable import Sockets

#if canImport(Glibc)
    import Glibc
#endif

/// The suites of the async layer (reactor, async sockets, server).
///
/// Serialized: the tests count the process's descriptors, fill socket buffers and
/// measure elapsed time, which tests running alongside would disturb. A test that
/// opens descriptors must not run beside them.
@Suite(.serialized, .timeLimit(.minutes(1)))
enum AsyncTests {}

/// Helpers for the async suites.
enum AsyncTest {
    static var reactor: Reactor { Reactor.shared }

    // MARK: Time

    /// Runs `body` in a new task and returns its result; if it has not finished after
    /// `limit`, cancels it and throws *without waiting for it*, so a waiter that never
    /// resumes cannot hang the test run.
    static func withTimeout<T: Sendable>(
        _ limit: Duration = .seconds(10), _ what: String = "the operation",
        onReactor: Bool = false,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let operation =
            onReactor
            ? Task(executorPreference: reactor) { try await body() }
            : Task { try await body() }
        let race = AsyncRace<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(
                    continuation,
                    timer: Task {
                        do { try await Task.sleep(for: limit) } catch { return }
                        operation.cancel()
                        race.finish(.failure(HarnessError("\(what) did not finish within \(limit)")))
                    })
                Task { race.finish(await operation.result) }
            }
        } onCancel: {
            operation.cancel()
        }
    }

    /// A deadline `duration` from now.
    static func deadline(_ duration: Duration = .seconds(5)) -> ContinuousClock.Instant {
        .now + duration
    }

    /// Returns once every job queued on the reactor before this call has run.
    ///
    /// A task started with the reactor as executor preference runs synchronously up to
    /// its first suspension, so after the barrier an async socket call started before
    /// it has either finished or is parked on the reactor.
    static func reactorBarrier() async throws {
        try await withTimeout(.seconds(10), "a job on the reactor") {
            await Task(executorPreference: reactor) {}.value
        }
    }

    /// Starts `body` on the reactor and returns once it has run up to its first suspension.
    static func startParked<T: Sendable>(
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> Task<T, any Error> {
        let task = Task(executorPreference: reactor) { try await body() }
        try await reactorBarrier()
        return task
    }

    /// Awaits a task that must end with an error, within `limit`; returns that error.
    static func failure<T: Sendable>(
        of task: Task<T, any Error>, within limit: Duration = .seconds(5)
    ) async throws -> any Error {
        let result = try await withTimeout(limit, "the waiting task") { await task.result }
        switch result {
        case .success(let value): throw HarnessError("expected an error, the task returned \(value)")
        case .failure(let error): return error
        }
    }

    // MARK: Cancellation

    /// What happened after ``cancelAndMeasure(_:returnWithin:window:)`` cancelled a task.
    struct CancellationMeasure {
        /// How long the task took to return after the cancel; nil if not within the limit.
        var returnedAfter: Duration?
        /// CPU time the whole process used during the window.
        var cpu: Duration
        /// The window's wall-clock length.
        var wall: Duration

        /// CPU time over wall time: about 1 for one thread spinning, near 0 when idle.
        var load: Double { cpu / wall }
    }

    /// CPU time this process has used so far, all threads together (`CLOCK_PROCESS_CPUTIME_ID`).
    static func processCPUTime() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }

    /// Cancels `task`, waits at most `limit` for it to return, and measures the process's CPU
    /// time over `window` from the cancel (at least until the task returned or the limit passed):
    /// a cancelled loop that retries at once shows up as a load near one core.
    static func cancelAndMeasure<T: Sendable>(
        _ task: Task<T, any Error>, returnWithin limit: Duration, window: Duration
    ) async -> CancellationMeasure {
        let start = ContinuousClock.now
        let cpuAtStart = processCPUTime()
        task.cancel()
        var returnedAfter: Duration?
        do {
            _ = try await withTimeout(limit, "the cancelled task") { await task.result }
            returnedAfter = ContinuousClock.now - start
        } catch {
            returnedAfter = nil
        }
        // Not a synchronisation: the length of the measuring window.
        try? await Task.sleep(until: start + window)
        return CancellationMeasure(
            returnedAfter: returnedAfter, cpu: processCPUTime() - cpuAtStart, wall: ContinuousClock.now - start)
    }

    // MARK: Descriptors

    /// The descriptors open now, to compare with at the end of a test.
    ///
    /// Starts first what creates descriptors of its own on first use and keeps them: the
    /// reactor (epoll and eventfd) and the timer behind `Task.sleep` (a timerfd).
    static func descriptorBaseline() async throws -> [Int32: String] {
        // A server spreads connections over the shared group, whose reactors (an epoll and
        // an eventfd each) start on first use and stay: start them before counting.
        _ = ReactorGroup.shared
        try await reactorBarrier()
        try? await Task.sleep(for: .milliseconds(1))
        return openDescriptors(includingTimers: false)
    }

    /// Waits (bounded) until the process has exactly as many descriptors open as at
    /// `baseline`: servers close their side of a connection asynchronously.
    static func expectDescriptors(
        backTo baseline: [Int32: String], within limit: Duration = .seconds(5),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        _ = await eventually(within: limit) { openDescriptors(includingTimers: false).count == baseline.count }
        let open = openDescriptors(includingTimers: false)
        func describe(_ entries: [Int32: String]) -> String {
            entries.sorted { $0.key < $1.key }.map { "\($0.key)→\($0.value)" }.joined(separator: " ")
        }
        let added = open.filter { baseline[$0.key] != $0.value }
        let removed = baseline.filter { open[$0.key] != $0.value }
        #expect(
            open.count == baseline.count,
            "descriptors not back to baseline (\(baseline.count)); new: \(describe(added)); gone: \(describe(removed))",
            sourceLocation: sourceLocation)
    }

    /// A connected Unix stream pair whose descriptors are the lowest free numbers at or
    /// above `floor` — far above what anything else in the process uses, so a test can
    /// rely on getting a just-released number back.
    static func highPair(floor: Int32 = 900) throws -> (Socket, Socket) {
        let (first, second) = try Socket.pair()
        defer { first.close() }
        let high = fcntl(first.fileDescriptor, F_DUPFD_CLOEXEC, floor)
        guard high >= 0 else { throw HarnessError("F_DUPFD failed: errno \(errno)") }
        return (try Socket(adopting: high), second)
    }

    // MARK: Sockets

    /// A listening TCP socket on a free loopback port and its address.
    static func listener(on address: String = "127.0.0.1:0", backlog: Int = Int(SOMAXCONN)) throws -> (Socket, SocketAddress) {
        let socket = try Socket.listen(on: address, backlog: backlog)
        return (socket, try socket.localAddress())
    }

    /// Connects an async client, bounded by a deadline.
    static func connect(to address: SocketAddress, within limit: Duration = .seconds(5)) async throws -> Socket {
        let socket = try Socket(address.family, .stream)
        do {
            try await socket.connect(to: address, deadline: deadline(limit))
        } catch {
            socket.close()
            throw error
        }
        return socket
    }

    /// Writes `request` and reads back exactly as many bytes, bounded by a deadline.
    static func roundTrip(_ socket: Socket, _ request: [UInt8], within limit: Duration = .seconds(5)) async throws -> [UInt8] {
        let end = deadline(limit)
        try await socket.write(request, deadline: end)
        return try await socket.read(exactly: request.count, deadline: end)
    }

    /// Reads until the peer closes: returns normally on end of stream or a reset; fails
    /// if data arrives instead or nothing happens within `limit`.
    static func expectClosedByPeer(
        _ socket: Socket, within limit: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        do {
            let bytes = try await socket.read(upTo: 4096, deadline: deadline(limit))
            #expect(bytes.isEmpty, "expected end of stream, read \(bytes.count) bytes", sourceLocation: sourceLocation)
        } catch let error as SocketError where error.kind == .connectionReset {
            return
        }
    }

    /// `text` as bytes.
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A payload unique to `client` and `round`, of a length that varies with both.
    static func payload(client: Int, round: Int) -> [UInt8] {
        let head = bytes("client \(client) round \(round) ")
        let padding = (client * 7 + round * 131) % 600
        return head + (0..<padding).map { UInt8(truncatingIfNeeded: client &+ $0 &* 31 &+ round) }
    }

    // MARK: Servers

    /// The echo service as a server handler.
    static let echo: Server.Handler = { connection in try await connection.echo() }
}
