import Foundation
import Sockets
import TestSupport
import Testing

extension E2ESuite {
    /// `sock bench`: the load generator against echo servers, good and faulty.
    @Suite struct BenchCommandTests {
        static let keys: Set<String> = [
            "messages_per_s", "mb_per_s", "p50_us", "p99_us", "p999_us", "errors", "connections", "size", "duration_s",
        ]

        @Test func benchJSON_PrintsOneObjectWithTheSpecKeys_AndNoErrors() throws {
            let server = try E2EServer.serve("echo", ["--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock([
                "bench", server.address, "--connections", "2", "--size", "100", "--pipeline", "4",
                "--duration", "1", "--warmup", "0.2", "--json",
            ])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let report = try E2EBench.report(result)
            #expect(Set(report.keys) == Self.keys)
            #expect(report["errors"] as? Int == 0)
            #expect(report["connections"] as? Int == 2)
            #expect(report["size"] as? Int == 100)
            #expect(report["duration_s"] as? Double == 1)
            let rate = try #require(report["messages_per_s"] as? Double)
            #expect(rate > 0)
            let megabytes = try #require(report["mb_per_s"] as? Double)
            #expect(abs(megabytes - rate * 100 / 1e6) < 0.01 * max(megabytes, 1))
            let p50 = try #require(report["p50_us"] as? Double)
            let p99 = try #require(report["p99_us"] as? Double)
            let p999 = try #require(report["p999_us"] as? Double)
            #expect(p50 > 0 && p50 <= p99 && p99 <= p999)
        }

        @Test func bench_PrintsOneHumanReadableLine_WithoutJSON() throws {
            let server = try E2EServer.serve("echo", ["--quiet"], listen: "[::1]:0")
            defer { server.stop() }

            let result = try E2ERun.sock(["bench", server.address, "--duration", "0.5", "--warmup", "0"])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let lines = result.outputText.split(separator: "\n")
            #expect(lines.count == 1)
            #expect(result.outputText.contains("messages/s"))
            #expect(result.outputText.contains(" 0 errors"))
        }

        @Test func benchUDP_MeasuresDatagramEchoes() throws {
            let server = try E2EServer.serve("echo", ["--udp", "--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock([
                "bench", server.address, "--udp", "--connections", "2", "--size", "512",
                "--duration", "1", "--warmup", "0.2", "--json",
            ])
            let report = try E2EBench.report(result)
            #expect(Set(report.keys) == Self.keys)
            let rate = try #require(report["messages_per_s"] as? Double)
            #expect(rate > 100)
            // Loopback loses nothing in practice; allow a datagram late on a loaded machine.
            let errors = try #require(report["errors"] as? Int)
            #expect(Double(errors) <= rate * 0.01)
            #expect(result.status == (errors == 0 ? 0 : 1))
        }

        @Test func bench_CountsErrors_WhenServerCorruptsBytes() throws {
            let server = try E2EServer.python("e2e_corrupting_echo_server.py")
            defer { server.stop() }

            let result = try E2ERun.sock(["bench", server.address, "--duration", "0.5", "--warmup", "0", "--json"])
            #expect(result.status != 0)
            let report = try E2EBench.report(result)
            let errors = try #require(report["errors"] as? Int)
            #expect(errors > 0)
            // The replies did come back (connecting worked); they were wrong.
            #expect(try #require(report["messages_per_s"] as? Double) > 0)
        }

        @Test func bench_SaysTheConnectionWasRefused_AndTheRealElapsedTime_WhenNothingListens() throws {
            let closed = try ClosedPort()

            let result = try E2ERun.sock(["bench", "127.0.0.1:\(closed.port)", "--duration", "1", "--warmup", "0"])
            #expect(result.status == 1)
            #expect(result.standardError == "sock: bench: connect 127.0.0.1:\(closed.port): connection refused\n")
            let line = result.outputText
            #expect(line.hasPrefix("0 messages/s"), "stdout: \(line)")
            #expect(line.hasSuffix(" 1 errors (1 connections, 64 B, 0.0 s)\n"), "stdout: \(line)")
        }

        @Test func benchJSON_SaysTheCauseOnStderr_AndKeepsStdoutOneObject() throws {
            let closed = try ClosedPort()

            let result = try E2ERun.sock([
                "bench", "127.0.0.1:\(closed.port)", "--connections", "3", "--duration", "1", "--warmup", "0", "--json",
            ])
            #expect(result.status == 1)
            #expect(result.standardError == "sock: bench: connect 127.0.0.1:\(closed.port): connection refused (3 times)\n")
            let report = try E2EBench.report(result)
            #expect(Set(report.keys) == Self.keys)
            #expect(report["errors"] as? Int == 3)
            #expect(try #require(report["duration_s"] as? Double) < 0.5)
        }

        @Test(arguments: [["upper", "--framing", "raw"], ["hello"]])
        func bench_SaysItIsNotAnEchoServer_WhenRepliesDiffer(_ service: [String]) throws {
            let server = try E2EServer.serve(service[0], Array(service.dropFirst()) + ["--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock(["bench", server.address, "--duration", "0.5", "--warmup", "0"])
            #expect(result.status == 1)
            #expect(
                result.errorLines.first?.hasPrefix("sock: bench: replies differ from what was sent: not an echo server?") == true,
                "stderr: \(result.standardError)")
        }

        @Test func benchStream_MeasuresBulkEchoes_OfLargeChunks() throws {
            let server = try E2EServer.serve("echo", ["--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock([
                "bench", server.address, "--mode", "stream", "--size", "65536", "--duration", "0.5", "--warmup", "0.1",
                "--json",
            ])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let report = try E2EBench.report(result)
            #expect(Set(report.keys) == Self.keys)
            #expect(report["errors"] as? Int == 0)
            let rate = try #require(report["messages_per_s"] as? Double)
            let megabytes = try #require(report["mb_per_s"] as? Double)
            #expect(rate > 0)
            #expect(abs(megabytes - rate * 65536 / 1e6) < 0.01 * max(megabytes, 1))
        }

        @Test func benchHandshake_OpensANewConnectionForEveryMessage() throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }

            let result = try E2ERun.sock([
                "bench", server.address, "--mode", "handshake", "--connections", "2", "--duration", "0.5", "--warmup", "0",
                "--json",
            ])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let report = try E2EBench.report(result)
            #expect(report["errors"] as? Int == 0)
            let messages = Int(try #require(report["messages_per_s"] as? Double) * 0.5)
            #expect(messages > 2)
            // Every message had a connection of its own (the server logs each one it accepts).
            #expect(server.standardError.wait(forText: "connection opened", count: messages + 1))
        }

        @Test(arguments: ["stream", "handshake"])
        func bench_SaysItIsNotAnEchoServer_InEveryMode(_ mode: String) throws {
            let server = try E2EServer.serve("upper", ["--framing", "raw", "--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock(["bench", server.address, "--mode", mode, "--duration", "0.5", "--warmup", "0"])
            #expect(result.status == 1)
            #expect(
                result.errorLines.first?.hasPrefix("sock: bench: replies differ from what was sent: not an echo server?") == true,
                "stderr: \(result.standardError)")
        }

        @Test func bench_RefusesAModeOtherThanPingPong_WithUDP() throws {
            let result = try E2ERun.sock(["bench", "127.0.0.1:9", "--udp", "--mode", "stream"])
            #expect(result.status == 64)
            #expect(result.standardError.contains("--mode stream is for streams, not --udp"), "\(result.standardError)")
        }

        @Test func bench_EndsAndCountsErrors_WhenServerNeverAnswers() throws {
            // The kernel completes the handshakes for the backlog; nobody ever reads or answers.
            let listener = try Socket.listen(on: "127.0.0.1:0", backlog: 8)
            defer { listener.close() }
            let address = try "\(listener.localAddress())"

            let started = ContinuousClock.now
            let result = try E2ERun.sock([
                "bench", address, "--connections", "3", "--duration", "0.3", "--warmup", "0", "--json",
            ])
            // Measured time, then the 2 s drain timeout, then the report: bounded, not hung.
            #expect(ContinuousClock.now - started < .seconds(8))
            #expect(result.status != 0)
            let report = try E2EBench.report(result)
            #expect(report["errors"] as? Int == 3)
            #expect(report["messages_per_s"] as? Double == 0)
        }

        @Test func benchSource_BindsEveryLoadConnection_AndVerboseSaysWhereTheLoadGoes() throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }

            let result = try E2ERun.sock([
                "bench", server.address, "--connections", "2", "--source", "127.0.0.2", "-v", "--duration", "0.3",
                "--warmup", "0",
            ])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.errorLines == ["sock: bench target=\(server.address) source=127.0.0.2:0"])
            // The server saw both load connections come from the source address.
            #expect(server.standardError.wait(forText: "peer=127.0.0.2:", count: 2), "\(server.standardError.text)")
            #expect(!server.standardError.text.contains("peer=127.0.0.1:"), "\(server.standardError.text)")
        }

        @Test func benchTimeout_LimitsEveryConnect_WhenTheHandshakeGetsNoAnswer() throws {
            let unanswered = try E2EUnansweredPort()
            defer { unanswered.close() }
            let address = unanswered.address

            let started = ContinuousClock.now
            let result = try E2ERun.sock([
                "bench", "\(address)", "--connections", "2", "-w", "0.3", "--duration", "10", "--warmup", "0",
            ])
            // Without -w each connect would wait for the end of the 10 s measured time.
            #expect(ContinuousClock.now - started < .seconds(8))
            #expect(result.status == 1)
            #expect(result.standardError == "sock: bench: connect \(address): timed out (2 times)\n")
        }

        @Test func benchFamily_KeepsToIPv4OrIPv6_AndToTheFamilyOfTheSource() throws {
            let server = try E2EServer.serve("echo", ["--quiet"], listen: "[::1]:0")
            defer { server.stop() }

            let six = try E2ERun.sock(["bench", server.address, "-6", "--duration", "0.2", "--warmup", "0"])
            #expect(six.status == 0, "stderr: \(six.standardError)")
            let four = try E2ERun.sock(["bench", server.address, "-4", "--duration", "0.2", "--warmup", "0"])
            #expect(four.status == 1)
            #expect(four.errorLines == ["sock: getaddrinfo: \(server.address): not an inet address"])
            let source = try E2ERun.sock(["bench", server.address, "--source", "127.0.0.1", "--duration", "0.2"])
            #expect(source.status == 1)
            #expect(source.errorLines == ["sock: bench: \(server.address): no addresses"])
        }

        @Test func benchServiceName_IsTakenAsThePort() throws {
            try #require(FileManager.default.fileExists(atPath: "/etc/services"), "/etc/services is needed for service names")
            // Port 7 (echo): refused on a test machine; either way the load went to port 7.
            let result = try E2ERun.sock(["bench", "127.0.0.1:echo", "-v", "-w", "1", "--duration", "0.2", "--warmup", "0"])
            #expect(result.errorLines.first == "sock: bench target=127.0.0.1:7 source=any", "\(result.standardError)")
        }
    }
}
