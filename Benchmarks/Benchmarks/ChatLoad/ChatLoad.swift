// Load for a chat room (one node or a cluster of nodes, SPEC §4 chat and §8): MEMBERS
// connections spread over the given addresses, each saying RATE lines a second for
// SECONDS seconds, each reading every line the others say. Checks that every line
// reaches every other member exactly once and in its sender's order, and measures the
// latency from the sender's write to each receiver's read (one clock: one process).
//
//   ChatLoad --members 300 --seconds 30 [--rate 1] [--drain 20] [--redis HOST:PORT] ADDRESS...
//
// With --redis, the room's Redis commands while lines are said (INFO commandstats before
// and after, through our RESP codec) are counted per line. Prints one JSON object
// (counts, latency percentiles in ms, deliveries per second, commands per line);
// exits 1 when a line was lost, duplicated or reordered. Scripts/cluster-chat-bench.py
// starts Redis and the nodes and runs it.

import Foundation
import Framing
import Sockets
import Synchronization

/// The command line.
struct Options {
    var members = 300
    var seconds = 30
    var rate = 1.0
    var drain: Duration = .seconds(20)
    var redis: String?
    var addresses: [String] = []

    init(_ arguments: ArraySlice<String>) throws {
        var rest = arguments
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("--") else {
                addresses.append(argument)
                continue
            }
            guard let value = rest.popFirst() else { throw UsageError("\(argument) needs a value") }
            switch argument {
            case "--members": members = try Self.number(argument, value, Int.init)
            case "--seconds": seconds = try Self.number(argument, value, Int.init)
            case "--rate": rate = try Self.number(argument, value, Double.init)
            case "--drain": drain = .seconds(try Self.number(argument, value, Double.init))
            case "--redis": redis = value
            default: throw UsageError("unknown option \(argument)")
            }
        }
        guard members >= 2, seconds >= 1, rate > 0, !addresses.isEmpty else {
            throw UsageError("usage: ChatLoad [--members N>=2] [--seconds S] [--rate LINES/S] [--drain S] ADDRESS...")
        }
    }

    private static func number<T>(_ option: String, _ text: String, _ parse: (String) -> T?) throws -> T {
        guard let value = parse(text) else { throw UsageError("\(option): \(text) is not a number") }
        return value
    }

    /// How many lines each member says.
    var linesPerMember: Int { Int((Double(seconds) * rate).rounded()) }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Nanoseconds since the run's origin: the timestamps members put in their lines.
struct RunClock: Sendable {
    let origin = ContinuousClock.now

    var nanoseconds: Int64 { nanoseconds(at: .now) }

    func nanoseconds(at instant: ContinuousClock.Instant) -> Int64 {
        let elapsed = (instant - origin).components
        return elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
    }

    func instant(atNanoseconds nanoseconds: Int64) -> ContinuousClock.Instant {
        origin + .nanoseconds(nanoseconds)
    }
}

/// What one member read: per sender, the next sequence number it expects, and the errors.
struct Reception: Sendable {
    var nextSequence: [Int32]
    var delivered = 0
    var duplicatesOrLate = 0
    var gaps = 0
    var joins = 0
    var latenciesMicroseconds: [UInt32] = []
    var lastReadNanoseconds: Int64 = 0

    init(members: Int, expected: Int) {
        nextSequence = Array(repeating: 0, count: members)
        latenciesMicroseconds.reserveCapacity(expected)
    }

    /// Takes one line: `NAME: mSENDER SEQUENCE NANOSECONDS`, or a notice (`* …`).
    mutating func take(_ line: [UInt8], at now: Int64) {
        guard line.first != UInt8(ascii: "*") else {
            if line.suffix(7).elementsEqual(" joined".utf8) { joins += 1 }
            return
        }
        guard let separator = line.firstIndex(of: UInt8(ascii: ":")), separator + 2 <= line.count else { return }
        var fields = line[(separator + 2)...].split(separator: UInt8(ascii: " "), maxSplits: 2)[...]
        guard fields.count == 3, fields.first?.first == UInt8(ascii: "m"),
            let sender = Self.integer(fields.removeFirst().dropFirst()),
            let sequence = Self.integer(fields.removeFirst()), let sent = Self.integer(fields.removeFirst()),
            sender < nextSequence.count, sequence < Int64(Int32.max)
        else { return }
        let expected = Int64(nextSequence[Int(sender)])
        if sequence == expected {
            delivered += 1
        } else if sequence < expected {
            duplicatesOrLate += 1
            return
        } else {
            gaps += 1
        }
        nextSequence[Int(sender)] = Int32(sequence + 1)
        latenciesMicroseconds.append(UInt32(clamping: max(0, now - sent) / 1000))
        lastReadNanoseconds = now
    }

    private static func integer(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value: Int64 = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            value = value * 10 + Int64(digit - UInt8(ascii: "0"))
        }
        return value
    }
}

/// One member: its connection and what it has read so far.
final class Member: Sendable {
    let index: Int
    let socket: Socket
    private let state: Mutex<Reception>

    init(index: Int, socket: Socket, members: Int, expected: Int) {
        self.index = index
        self.socket = socket
        state = Mutex(Reception(members: members, expected: expected))
    }

    var reception: Reception { state.withLock { $0 } }

    /// Whether it is in the room: a member's first line is its own `joined` notice, and
    /// from then on it gets every line said on any node.
    var hasJoined: Bool { state.withLock { $0.joins >= 1 } }

    /// Reads lines until the connection ends or the task is cancelled.
    func read(clock: RunClock) async {
        do {
            for try await line in socket.messages(LineDecoder()) {
                let now = clock.nanoseconds
                state.withLock { $0.take(line, at: now) }
            }
        } catch {
            return
        }
    }

    /// Says `count` lines, line `n` at `start + n / rate + offset`.
    func say(count: Int, rate: Double, start: Int64, offset: Int64, clock: RunClock) async throws {
        for sequence in 0..<count {
            let due = start + offset + Int64(Double(sequence) / rate * 1e9)
            try await Task.sleep(until: clock.instant(atNanoseconds: due))
            try await socket.write(Array("m\(index) \(sequence) \(clock.nanoseconds)\n".utf8))
        }
    }
}

/// How many times Redis ran each command since it started (`INFO commandstats`).
func redisCommandCounts(_ address: String) async throws -> [String: Int] {
    let socket = try await Socket.connect(to: address, deadline: .now + .seconds(5))
    defer { socket.close() }
    var request: [UInt8] = []
    RESPEncoder().encode(command: ["INFO", "commandstats"], into: &request)
    try await socket.write(request)
    var replies = socket.messages(RESPDecoder()).makeAsyncIterator()
    guard let info = try await replies.next()?.text else { throw UsageError("\(address): no INFO reply") }
    var counts: [String: Int] = [:]
    for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
        let name = line.dropFirst("cmdstat_".count).prefix { $0 != ":" }
        let calls = line.split(separator: ",").first?.split(separator: "=").last
        counts[String(name)] = calls.flatMap { Int($0) }
    }
    return counts
}

/// Percentile `quantile` of sorted `values`, in milliseconds.
func percentile(_ values: [UInt32], _ quantile: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    return Double(values[min(values.count - 1, Int(quantile * Double(values.count)))]) / 1000
}

func run(_ options: Options) async throws -> Bool {
    let clock = RunClock()
    let reactors = ReactorGroup.shared
    let lines = options.linesPerMember
    let expectedPerMember = lines * (options.members - 1)
    var members: [Member] = []
    for index in 0..<options.members {
        let address = options.addresses[index % options.addresses.count]
        // Connected on the reactor its reads and writes will run on (a socket stays on the
        // reactor it first waited on), one after the other: members join in index order.
        let socket = try await Task(executorPreference: reactors.reactors[index % reactors.count]) {
            try await Socket.connect(to: address, deadline: .now + .seconds(10))
        }.value
        members.append(Member(index: index, socket: socket, members: options.members, expected: expectedPerMember))
    }
    defer { for member in members { member.socket.close() } }
    let everyone = members
    return await withTaskGroup(of: Void.self, returning: Bool.self) { readers in
        for member in everyone {
            readers.addTask(executorPreference: reactors.reactors[member.index % reactors.count]) {
                await member.read(clock: clock)
            }
        }
        // Lines are said once every member is in the room.
        let joinDeadline = ContinuousClock.now + .seconds(60)
        while !everyone.allSatisfy(\.hasJoined) && ContinuousClock.now < joinDeadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let joined = everyone.allSatisfy(\.hasJoined)
        var commandsBefore: [String: Int]?
        if let redis = options.redis { commandsBefore = try? await redisCommandCounts(redis) }
        let start = clock.nanoseconds + 500_000_000
        let spacing = 1e9 / options.rate / Double(options.members)
        var sendErrors = 0
        await withTaskGroup(of: Bool.self) { senders in
            for member in everyone {
                senders.addTask(executorPreference: reactors.reactors[member.index % reactors.count]) {
                    let offset = Int64(spacing * Double(member.index))
                    return (try? await member.say(count: lines, rate: options.rate, start: start, offset: offset, clock: clock))
                        != nil
                }
            }
            for await sent in senders where !sent { sendErrors += 1 }
        }
        let sent = clock.nanoseconds
        let drainDeadline = ContinuousClock.now + options.drain
        while everyone.contains(where: { $0.reception.delivered + $0.reception.gaps < expectedPerMember })
            && ContinuousClock.now < drainDeadline
        {
            try? await Task.sleep(for: .milliseconds(50))
        }
        var commandsAfter: [String: Int]?
        if let redis = options.redis { commandsAfter = try? await redisCommandCounts(redis) }
        readers.cancelAll()
        var commands: [String: Int] = [:]
        if let commandsBefore, let commandsAfter {
            for (name, calls) in commandsAfter { commands[name] = calls - commandsBefore[name, default: 0] }
            // The INFO that took the first snapshot.
            commands["info", default: 0] -= 1
            commands = commands.filter { $0.value > 0 }
        }
        let receptions = everyone.map(\.reception)
        let report = Report(
            options: options, joined: joined, sendErrors: sendErrors, start: start, sent: sent, receptions: receptions,
            redisCommands: commands)
        print(report.json)
        return report.isExact
    }
}

/// The figures of one run.
struct Report {
    var json: String
    var isExact: Bool

    init(
        options: Options, joined: Bool, sendErrors: Int, start: Int64, sent: Int64, receptions: [Reception],
        redisCommands: [String: Int]
    ) {
        let lines = options.linesPerMember * options.members
        let expected = lines * (options.members - 1)
        let delivered = receptions.reduce(0) { $0 + $1.delivered }
        let duplicates = receptions.reduce(0) { $0 + $1.duplicatesOrLate }
        let gaps = receptions.reduce(0) { $0 + $1.gaps }
        let latencies = receptions.flatMap(\.latenciesMicroseconds).sorted()
        let lastRead = receptions.map(\.lastReadNanoseconds).max() ?? sent
        let elapsed = Double(max(lastRead, sent) - start) / 1e9
        isExact = joined && sendErrors == 0 && delivered == expected && duplicates == 0 && gaps == 0
        let fields: [(String, String)] = [
            ("members", "\(options.members)"), ("nodes", "\(options.addresses.count)"),
            ("seconds", "\(options.seconds)"), ("rate", "\(options.rate)"),
            ("all_joined_before_start", "\(joined)"), ("send_errors", "\(sendErrors)"),
            ("lines", "\(lines)"), ("expected_deliveries", "\(expected)"), ("delivered_in_order", "\(delivered)"),
            ("duplicates_or_late", "\(duplicates)"), ("gaps", "\(gaps)"), ("exact", "\(isExact)"),
            ("latency_ms_p50", String(format: "%.2f", percentile(latencies, 0.5))),
            ("latency_ms_p99", String(format: "%.2f", percentile(latencies, 0.99))),
            ("latency_ms_max", String(format: "%.2f", percentile(latencies, 1))),
            ("elapsed_s", String(format: "%.2f", elapsed)),
            ("deliveries_per_second", String(format: "%.0f", Double(delivered + gaps) / elapsed)),
            (
                "offered_deliveries_per_second",
                String(format: "%.0f", options.rate * Double(options.members * (options.members - 1)))
            ),
        ]
        let lineCount = Double(lines)
        let redis: [(String, String)] =
            redisCommands.isEmpty
            ? []
            : [
                ("redis_publish_per_line", String(format: "%.3f", Double(redisCommands["publish", default: 0]) / lineCount)),
                ("redis_commands_per_line", String(format: "%.3f", Double(redisCommands.values.reduce(0, +)) / lineCount)),
                (
                    "redis_commands",
                    "{" + redisCommands.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
                        + "}"
                ),
            ]
        // Every value is a number or a Boolean: JSON as it is.
        json = "{" + (fields + redis).map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
}

// The file is the executable's only one, so it is its main file (top-level code).
do {
    let options = try Options(CommandLine.arguments.dropFirst())
    exit(try await run(options) ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("ChatLoad: \(error)\n".utf8))
    exit(2)
}
