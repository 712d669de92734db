import Foundation
import Services
import Sockets
import Synchronization
import Testing

/// ``LoadGenerator`` against in-process servers: what it counts, what it reports as
/// errors and why, how long it runs, and its JSON.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct LoadGeneratorTests {
    /// An echo service that counts the bytes it sends back and can corrupt the first
    /// byte of every chunk.
    final class CountingEcho: StreamService {
        let echoed = Atomic<Int>(0)
        let corrupting: Bool

        init(corrupting: Bool = false) {
            self.corrupting = corrupting
        }

        func serve(_ connection: Connection) async throws {
            while case var chunk = try await connection.read(upTo: 64 * 1024), !chunk.isEmpty {
                if corrupting { chunk[0] ^= 0xFF }
                try await connection.write(chunk)
                echoed.add(chunk.count, ordering: .relaxed)
            }
        }
    }

    /// A load of `duration` against `address`, without warm-up.
    static func configuration(_ address: SocketAddress, duration: Duration = .milliseconds(400)) -> LoadConfiguration {
        var configuration = LoadConfiguration(address: "\(address)")
        configuration.connections = 2
        configuration.size = 100
        configuration.pipeline = 2
        configuration.duration = duration
        configuration.warmup = .zero
        return configuration
    }

    @Test func loadGenerator_CountsMessagesAndBytes_AgainstAnEchoServer() async throws {
        let service = CountingEcho()
        let report = try await ExecFilesHarness.withServer(service) { address in
            try await LoadGenerator.run(Self.configuration(address))
        }
        #expect(report.errors == 0)
        #expect(report.errorCauses.isEmpty)
        #expect(report.durationSeconds == 0.4)
        let messages = report.messagesPerSecond * report.durationSeconds
        #expect(messages > 10)
        #expect(abs(messages - messages.rounded()) < 1e-6, "a whole number of messages: \(messages)")
        // Only replies within the measured time count; the server echoed those and more.
        #expect(Int(messages.rounded()) * 100 <= service.echoed.load(ordering: .relaxed))
        #expect(abs(report.megabytesPerSecond - report.messagesPerSecond * 100 / 1e6) < 1e-9)
        #expect(report.p50Microseconds > 0)
        #expect(report.p50Microseconds <= report.p99Microseconds && report.p99Microseconds <= report.p999Microseconds)
    }

    @Test func loadGenerator_CountsCorruptReplies_AsErrorsThatSayNotAnEchoServer() async throws {
        let report = try await ExecFilesHarness.withServer(CountingEcho(corrupting: true)) { address in
            try await LoadGenerator.run(Self.configuration(address))
        }
        #expect(report.errors > 0)
        #expect(report.errorCauses == [LoadGenerator.notAnEchoServer: report.errors])
    }

    @Test func loadGenerator_ReportsRefusedConnections_WithTheirCause_AndTheRealElapsedTime() async throws {
        // Bound but not listening: every connect is refused.
        let closed = try Socket(.inet, .stream)
        defer { closed.close() }
        try closed.bind(to: SocketAddress("127.0.0.1:0")!)
        let address = try closed.localAddress()

        let started = ContinuousClock.now
        let report = try await LoadGenerator.run(Self.configuration(address, duration: .seconds(5)))
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(report.errors == 2)
        #expect(report.errorCauses == ["connect \(address): connection refused": 2])
        #expect(report.durationSeconds < 2)
        #expect(report.messagesPerSecond == 0)
    }

    @Test func loadGenerator_RunsForTheWarmupAndTheDuration() async throws {
        let elapsed = try await ExecFilesHarness.withServer(CountingEcho()) { address in
            var load = Self.configuration(address, duration: .milliseconds(300))
            load.warmup = .milliseconds(200)
            let started = ContinuousClock.now
            let report = try await LoadGenerator.run(load)
            #expect(report.errors == 0)
            #expect(report.durationSeconds == 0.3)
            return ContinuousClock.now - started
        }
        #expect(elapsed >= .milliseconds(500))
        // The last replies come back at once from an echo server: no drain timeout.
        #expect(elapsed < .milliseconds(1500), "took \(elapsed)")
    }

    @Test func loadReport_EncodesTheSpecFields_AndNotTheCauses() async throws {
        let report = try await ExecFilesHarness.withServer(CountingEcho(corrupting: true)) { address in
            try await LoadGenerator.run(Self.configuration(address, duration: .milliseconds(200)))
        }
        #expect(!report.errorCauses.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "messages_per_s", "mb_per_s", "p50_us", "p99_us", "p999_us", "errors", "connections", "size", "duration_s",
            ])
        #expect(object["messages_per_s"] as? Double == report.messagesPerSecond)
        #expect(object["duration_s"] as? Double == 0.2)
        #expect(object["errors"] as? Int == report.errors)
        #expect(object["connections"] as? Int == 2)
        #expect(object["size"] as? Int == 100)
    }
}
