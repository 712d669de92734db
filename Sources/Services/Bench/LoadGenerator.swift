import DequeModule
import Histogram
import Sockets
import Synchronization

/// What ``LoadGenerator`` does: connections, message size, pipelining, time.
public struct LoadConfiguration: Sendable {
    /// The echo server (`HOST:PORT`, `[V6]:PORT`, `unix:PATH`).
    public var address: String
    /// Concurrent connections (UDP: sockets).
    public var connections: Int = 1
    /// Bytes per message.
    public var size: Int = 64
    /// Messages in flight per connection.
    public var pipeline: Int = 1
    /// Ping-pong, bulk stream, or a new connection per message (stream connections only).
    public var mode: LoadMode = .pingpong
    /// The measured time.
    public var duration: Duration = .seconds(5)
    /// Time before measuring starts (not counted).
    public var warmup: Duration = .seconds(1)
    /// Use datagrams; a datagram not back within ``datagramTimeout`` is lost.
    public var udp = false
    /// How long a datagram may take to come back.
    public var datagramTimeout: Duration = .milliseconds(200)
    /// How long after the measured time the last replies may take; a stream connection
    /// still waiting then counts as an error.
    public var drainTimeout: Duration = .seconds(2)
    /// A client context: every stream connection speaks TLS (handshake before the load starts).
    public var tls: TLSContext?
    /// The name the server's certificate is checked against (and sent as SNI) with ``tls``.
    public var tlsServerName: String?
    /// Addresses of this family only (`-4`, `-6`); `.unspecified`: the first ``address`` resolves to.
    public var family: SocketFamily = .unspecified
    /// The local address every socket is bound to before it connects (`--source`; port 0:
    /// any); nil: the kernel picks. The target is then the first address of its family.
    public var source: SocketAddress?
    /// How long each connect may take (`-w`); nil: until the end of the measured time.
    public var connectTimeout: Duration?

    /// Creates a configuration for `address` with the defaults above.
    public init(address: String) {
        self.address = address
    }
}

/// The result of a load run; field names are `sock bench --json`'s (SPEC §5).
public struct LoadReport: Codable, Sendable, Equatable {
    /// Round trips completed per second of measured time.
    public var messagesPerSecond: Double
    /// Echoed megabytes (10⁶ bytes) per second of measured time.
    public var megabytesPerSecond: Double
    /// The median round-trip time, in microseconds.
    public var p50Microseconds: Double
    /// The 99th percentile of the round-trip time, in microseconds.
    public var p99Microseconds: Double
    /// The 99.9th percentile of the round-trip time, in microseconds.
    public var p999Microseconds: Double
    /// Echoed bytes that differ, lost datagrams, dropped connections and failed connects.
    public var errors: Int
    /// The connections (UDP: sockets) configured.
    public var connections: Int
    /// The bytes per message.
    public var size: Int
    /// The measured time that really passed: the configured duration, or less when
    /// every connection ended early (refused, closed by the server).
    public var durationSeconds: Double
    /// Why the errors happened: each cause (`connect 127.0.0.1:9: connection refused`,
    /// ``LoadGenerator/notAnEchoServer``) and how many errors it caused. Not in the JSON.
    public var errorCauses: [String: Int] = [:]

    enum CodingKeys: String, CodingKey {
        case messagesPerSecond = "messages_per_s"
        case megabytesPerSecond = "mb_per_s"
        case p50Microseconds = "p50_us"
        case p99Microseconds = "p99_us"
        case p999Microseconds = "p999_us"
        case errors, connections, size
        case durationSeconds = "duration_s"
    }
}

/// A load generator for echo servers: every echoed byte is checked, every round trip
/// timed into an HDR histogram. The client side of `sock bench`.
public enum LoadGenerator {
    /// The cause of errors where the replies differ from the messages sent.
    public static let notAnEchoServer = "replies differ from what was sent: not an echo server?"
    /// The cause of errors where a stream's replies were still missing at the end.
    static let repliesMissing = "replies still missing after the measured time: the server stopped answering"
    /// The cause of errors where the server closed a stream connection.
    static let closedByServer = "the server closed the connection"
    /// The cause of errors where a datagram did not come back in time.
    static let datagramLost = "datagrams lost (no reply in time)"

    /// Runs the load and reports what was measured in the measured window.
    ///
    /// - Parameter reactors: Connection *i* runs on reactor *i* modulo their count.
    /// - Throws: ``SocketError`` if the address does not resolve (to an address of the
    ///   family asked, or of ``LoadConfiguration/source``'s).
    public static func run(_ configuration: LoadConfiguration, reactors: ReactorGroup = .shared) async throws -> LoadReport {
        let target = try target(of: configuration)
        let clock = ContinuousClock()
        let start = clock.now
        let window = Window(start: start + configuration.warmup, end: start + configuration.warmup + configuration.duration)
        let tally = Tally()
        // Reads carry no deadline (a deadline per read costs the client a timer per
        // message); a server that stops answering is cut off by this watchdog instead.
        await withTaskGroup(of: Void.self) { run in
            run.addTask {
                await withDiscardingTaskGroup { connections in
                    for index in 0..<configuration.connections {
                        connections.addTask(executorPreference: reactors.reactors[index % reactors.count]) {
                            do {
                                if configuration.udp {
                                    try await runDatagrams(index, target, configuration, window, tally)
                                } else if configuration.mode == .handshake {
                                    try await runHandshakes(index, target, configuration, window, tally)
                                } else {
                                    try await runStream(index, target, configuration, window, tally)
                                }
                            } catch {
                                tally.addError("\(error)")
                            }
                        }
                    }
                }
            }
            run.addTask {
                try? await Task.sleep(until: window.end + configuration.drainTimeout, clock: .continuous)
            }
            await run.next()
            run.cancelAll()
        }
        // Measured time that passed: all of the window, or up to when every connection ended.
        let measured = max(.zero, min(clock.now, window.end) - window.start)
        return tally.report(configuration, measured: measured)
    }

    /// The address the load goes to: the first ``LoadConfiguration/address`` resolves to,
    /// of the family asked and of the source's.
    ///
    /// - Throws: ``SocketError`` if there is no such address.
    public static func target(of configuration: LoadConfiguration) throws -> SocketAddress {
        let targets = try Resolver.resolve(
            configuration.address, type: configuration.udp ? .datagram : .stream, family: configuration.family)
        let sourceFamily = configuration.source?.family
        guard let target = targets.first(where: { sourceFamily == nil || $0.family == sourceFamily }) else {
            throw SocketError(.nameResolution, operation: "bench", detail: "\(configuration.address): no addresses")
        }
        return target
    }

    /// Message `sequence` of `connection`: bytes counting up from a base unique to both.
    private static func message(_ connection: Int, _ sequence: UInt64, size: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            fillMessage(connection, sequence, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = size
        }
    }

    @inline(__always)
    static func messageBase(_ connection: Int, _ sequence: UInt64) -> UInt64 {
        UInt64(connection) &* 131 &+ sequence &* 7
    }

    /// Writes message `sequence` of `connection` into `buffer`, which is one message long.
    @inline(__always)
    static func fillMessage(_ connection: Int, _ sequence: UInt64, into buffer: UnsafeMutableRawBufferPointer) {
        let base = messageBase(connection, sequence)
        for offset in 0..<buffer.count { buffer[offset] = UInt8(truncatingIfNeeded: base &+ UInt64(offset)) }
    }

    /// One TCP connection: keeps `pipeline` messages in flight and checks each echo byte by byte.
    private static func runStream(
        _ index: Int, _ target: SocketAddress, _ configuration: LoadConfiguration, _ window: Window, _ tally: Tally
    ) async throws {
        // Connecting may take until the end of the run: with no warm-up the window starts now.
        let socket = try await connect(to: target, configuration, deadline: window.end)
        defer { socket.close() }
        if let context = configuration.tls {
            let tls = try context.wrap(socket, serverName: configuration.tlsServerName)
            try await tls.handshake(deadline: window.end)
            try await exchange(index, over: tls, configuration, window, tally)
        } else {
            try await exchange(index, over: socket, configuration, window, tally)
        }
    }

    /// A stream socket connected to `target` (bound to the configured source first), no-delay
    /// set on TCP; the connect ends at `deadline` or after the connect timeout, whichever
    /// comes first.
    ///
    /// - Throws: ``SocketError`` (`timedOut` when the connect took too long).
    static func connect(
        to target: SocketAddress, _ configuration: LoadConfiguration, deadline: ContinuousClock.Instant
    ) async throws -> Socket {
        let socket = try Socket(target.family, .stream)
        do {
            if let source = configuration.source { try socket.bind(to: source) }
            let limit = configuration.connectTimeout.map { min(deadline, .now + $0) } ?? deadline
            try await socket.connect(to: target, deadline: limit)
            if target.family != .unix { try socket.setOption(.noDelay, true) }
            return socket
        } catch {
            socket.close()
            throw error
        }
    }

    /// The load of one connection, as the mode says.
    private static func exchange(
        _ index: Int, over stream: some AsyncByteStream, _ configuration: LoadConfiguration, _ window: Window,
        _ tally: Tally
    ) async throws {
        if configuration.mode == .stream {
            try await streamChunks(index, over: stream, configuration, window, tally)
        } else {
            try await pingPong(index, over: stream, configuration, window, tally)
        }
    }

    /// The ping-pong messages of ``runStream(_:_:_:_:_:)`` on its connection (a socket, or TLS over it).
    private static func pingPong(
        _ index: Int, over stream: some AsyncByteStream, _ configuration: LoadConfiguration, _ window: Window,
        _ tally: Tally
    ) async throws {
        let size = configuration.size
        let pipeline = max(configuration.pipeline, 1)
        // At most `pipeline` messages complete per read, so at most that many are sent in reply.
        let outgoing = UnsafeMutableRawBufferPointer.allocate(byteCount: size * pipeline, alignment: 16)
        defer { outgoing.deallocate() }
        let incoming = UnsafeMutableRawBufferPointer.allocate(byteCount: max(64 * 1024, size), alignment: 16)
        defer { incoming.deallocate() }
        var sent = Deque<ContinuousClock.Instant>(minimumCapacity: pipeline)
        var nextToSend: UInt64 = 0
        var nextToReceive: UInt64 = 0
        var offset = 0
        var mismatched = false
        var completed = 0
        var latencies: [UInt64] = []
        latencies.reserveCapacity(256)
        for slot in 0..<pipeline {
            fillMessage(index, nextToSend, into: UnsafeMutableRawBufferPointer(rebasing: outgoing[(slot * size)...].prefix(size)))
            sent.append(.now)
            nextToSend += 1
        }
        try await stream.write(UnsafeRawBufferPointer(outgoing), deadline: nil)
        while !sent.isEmpty {
            let count: Int
            do {
                count = try await stream.read(into: incoming, deadline: nil)
            } catch is CancellationError {
                // Cut off by the watchdog: replies still missing after the drain timeout.
                tally.addError(mismatched ? notAnEchoServer : repliesMissing)
                break
            }
            guard count > 0 else {
                tally.addError(mismatched ? notAnEchoServer : closedByServer)
                break
            }
            var replies = 0
            var position = 0
            while position < count {
                let take = min(size - offset, count - position)
                let base = messageBase(index, nextToReceive)
                for byteIndex in 0..<take
                where incoming[position + byteIndex] != UInt8(truncatingIfNeeded: base &+ UInt64(offset + byteIndex)) {
                    mismatched = true
                    break
                }
                position += take
                offset += take
                guard offset == size else { continue }
                let now = ContinuousClock.now
                let sentAt = sent.removeFirst()
                if window.contains(now) {
                    completed += 1
                    latencies.append(UInt64((now - sentAt).wholeNanoseconds))
                }
                if mismatched { tally.addError(notAnEchoServer) }
                mismatched = false
                offset = 0
                nextToReceive += 1
                if now < window.end {
                    fillMessage(
                        index, nextToSend,
                        into: UnsafeMutableRawBufferPointer(rebasing: outgoing[(replies * size)...].prefix(size)))
                    replies += 1
                    sent.append(now)
                    nextToSend += 1
                }
            }
            if replies > 0 {
                try await stream.write(UnsafeRawBufferPointer(rebasing: outgoing[..<(replies * size)]), deadline: nil)
            }
            if latencies.count >= 256 {
                tally.record(latencies, completed: completed)
                latencies.removeAll(keepingCapacity: true)
                completed = 0
            }
        }
        tally.record(latencies, completed: completed)
    }

    /// One UDP socket: one datagram in flight; one not back in time counts as lost.
    private static func runDatagrams(
        _ index: Int, _ target: SocketAddress, _ configuration: LoadConfiguration, _ window: Window, _ tally: Tally
    ) async throws {
        let socket = try Socket(target.family, .datagram)
        defer { socket.close() }
        if let source = configuration.source { try socket.bind(to: source) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(configuration.size, 1) + 1, alignment: 16)
        defer { buffer.deallocate() }
        var sequence: UInt64 = 0
        var completed = 0
        var latencies: [UInt64] = []
        while ContinuousClock.now < window.end {
            let payload = message(index, sequence, size: configuration.size)
            let sentAt = ContinuousClock.now
            try await socket.send(payload, to: target)
            let timeout = sentAt + configuration.datagramTimeout
            var answered = false
            while !answered {
                do {
                    let reply = try await socket.receive(into: buffer, deadline: timeout)
                    if reply.address != target { continue }
                    answered = true
                    let now = ContinuousClock.now
                    if reply.count != payload.count || !buffer[..<reply.count].elementsEqual(payload) {
                        tally.addError(notAnEchoServer)
                    } else if window.contains(now) {
                        completed += 1
                        latencies.append(UInt64((now - sentAt).wholeNanoseconds))
                    }
                } catch let error as SocketError where error.kind == .timedOut {
                    if window.contains(timeout) { tally.addError(datagramLost) }
                    break
                }
            }
            sequence += 1
        }
        tally.record(latencies, completed: completed)
    }
}

/// The measured interval.
struct Window: Sendable {
    let start: ContinuousClock.Instant
    let end: ContinuousClock.Instant

    func contains(_ instant: ContinuousClock.Instant) -> Bool { instant >= start && instant < end }
}

/// Counts and latencies from every connection.
final class Tally: Sendable {
    private struct State {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var completed = 0
        var errors = 0
        var causes: [String: Int] = [:]
    }
    private let state = LockedValue(State())

    func record(_ latencies: [UInt64], completed: Int) {
        state.withLock { state in
            for latency in latencies { _ = state.histogram.record(max(latency, 1)) }
            state.completed += completed
        }
    }

    /// Counts one error and its cause.
    func addError(_ cause: String) {
        state.withLock { state in
            state.errors += 1
            state.causes[cause, default: 0] += 1
        }
    }

    /// The report over `measured`, the measured time that passed.
    func report(_ configuration: LoadConfiguration, measured: Duration) -> LoadReport {
        state.withLock { state in
            let seconds = Double(measured.wholeNanoseconds) / 1e9
            let rate = seconds > 0 ? Double(state.completed) / seconds : 0
            func micro(_ percentile: Double) -> Double {
                state.histogram.totalCount == 0 ? 0 : Double(state.histogram.valueAtPercentile(percentile)) / 1000
            }
            return LoadReport(
                messagesPerSecond: rate, megabytesPerSecond: rate * Double(configuration.size) / 1e6,
                p50Microseconds: micro(50), p99Microseconds: micro(99), p999Microseconds: micro(99.9),
                errors: state.errors, connections: configuration.connections, size: configuration.size,
                durationSeconds: seconds, errorCauses: state.causes)
        }
    }
}
