import Foundation
import Sockets
import TestSupport
import Testing

extension E2ESuite {
    /// The seed programs (`Examples/seeds`) against the seeds' own Python clients, ported
    /// to Python 3 (Tests/Python), and against their Swift ports.
    @Suite struct SeedExamplesTests {
        /// Starts `seeds NAME 0` and returns it with the port from its first line.
        static func startServer(_ name: String) throws -> (ChildProcess, UInt16) {
            let server = try ChildProcess(try Products.executable("seeds"), [name, "0"])
            do {
                let line = try server.standardOutput.line { $0.contains("127.0.0.1:") }
                let digits = line.split(separator: "127.0.0.1:").last?.prefix { $0.isNumber } ?? ""
                let port = try #require(UInt16(digits), "no port in \(line)")
                return (server, port)
            } catch {
                server.stop()
                throw error
            }
        }

        /// Lines printed after `input()` prompts, the prompts removed.
        static func answers(_ output: String, prompt: String = ">>: ") -> [String] {
            output.replacingOccurrences(of: prompt, with: "").split(separator: "\n").map(String.init)
        }

        @Test func helloServer_AnswersSeed000sPythonClient() throws {
            let (server, port) = try Self.startServer("hello-server")
            defer { server.stop() }
            #expect(
                try server.standardOutput.line { $0.hasPrefix("Waiting") } == "Waiting for connection on 127.0.0.1:\(port)...")

            let client = try E2ERun.python("seed000_tcpclient.py", ["127.0.0.1", "\(port)"])
            #expect(client.status == 0, "\(client.standardError)")
            #expect(
                client.outputLines == [
                    "Welcome!", "Hello, mindthink!", "Hello, code change the world!", "Hello, hello world!", "",
                ])
            #expect(client.standardError.isEmpty)
            let accepted = try server.standardOutput.line { $0.hasPrefix("Accept new connection from 127.0.0.1:") }
            #expect(accepted.hasSuffix("..."))
            #expect(try server.standardOutput.line { $0 == "code change the world" } == "code change the world")
            _ = try server.standardOutput.line { $0.hasPrefix("Connection from 127.0.0.1:") && $0.hasSuffix(" closed.") }
        }

        @Test func helloServer_AnswersTheSwiftClient() throws {
            let (server, port) = try Self.startServer("hello-server")
            defer { server.stop() }
            let client = try E2ERun.seeds(["hello-client", "\(port)"])
            #expect(client.status == 0, "\(client.outputText)")
            #expect(
                client.outputLines == [
                    "Welcome!", "Hello, mindthink!", "Hello, code change the world!", "Hello, hello world!", "",
                ])
        }

        @Test func upperServer_AnswersSeed003sPythonTCPClient() throws {
            let (server, port) = try Self.startServer("upper-server")
            defer { server.stop() }
            #expect(try server.standardOutput.line { $0.hasPrefix("listening") } == "listening on 127.0.0.1:\(port)")
            let client = try E2ERun.python(
                "seed003_tcp_client.py", ["127.0.0.1", "\(port)"],
                input: "hello\n\n   spaced out  \nstraße über\n")
            #expect(client.status == 0, "\(client.standardError)")
            #expect(Self.answers(client.outputText) == ["HELLO", "SPACED OUT", "STRASSE ÜBER"])
            _ = try server.standardOutput.line { $0.hasPrefix("client address: 127.0.0.1:") }
        }

        @Test func upperServer_AnswersTheSwiftClient_AndServesClientsOneAfterAnother() throws {
            let (server, port) = try Self.startServer("upper-server")
            defer { server.stop() }
            for round in 1...2 {
                let client = try E2ERun.seeds(["upper-client", "\(port)"], input: "round \(round)\n\nok\n")
                #expect(client.status == 0)
                #expect(client.outputLines == ["ROUND \(round)", "OK", ""])
            }
        }

        @Test func udpUpperServer_AnswersSeed003sPythonUDPClient() throws {
            let (server, port) = try Self.startServer("udp-upper-server")
            defer { server.stop() }
            #expect(try server.standardOutput.line { $0.hasPrefix("listening") } == "listening on 127.0.0.1:\(port)")
            let client = try E2ERun.python(
                "seed003_udp_client.py", ["127.0.0.1", "\(port)"],
                input: "hello udp\n \nsecond one\n")
            #expect(client.status == 0, "\(client.standardError)")
            #expect(
                Self.answers(client.outputText) == [
                    "HELLO UDP ('127.0.0.1', \(port))", "SECOND ONE ('127.0.0.1', \(port))",
                ])
        }

        @Test func udpUpperServer_AnswersTheSwiftClient() throws {
            let (server, port) = try Self.startServer("udp-upper-server")
            defer { server.stop() }
            let client = try E2ERun.seeds(["udp-upper-client", "\(port)"], input: "abc\n")
            #expect(client.status == 0)
            #expect(client.outputLines == ["ABC 127.0.0.1:\(port)", ""])
        }

        @Test func timeServer_RepliesWithACtimeStampAndTheMessage() throws {
            let (server, port) = try Self.startServer("time-server")
            defer { server.stop() }
            #expect(
                try server.standardOutput.line { $0.hasPrefix("waiting") } == "waiting for connection on 127.0.0.1:\(port)...")
            let socket = try Socket.connect(to: "127.0.0.1:\(port)", timeout: E2E.timeout)
            defer { socket.close() }
            try socket.send(E2E.bytes("what time is it"))
            let reply = String(decoding: try socket.recv(1024), as: UTF8.self)
            #expect(reply.hasPrefix("["))
            #expect(reply.hasSuffix("] what time is it"))
            let stamp = String(reply.dropFirst().prefix { $0 != "]" })
            let pattern = try Regex(
                #"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 123]\d \d\d:\d\d:\d\d \d{4}$"#
            )
            #expect(stamp.wholeMatch(of: pattern) != nil, "\(stamp)")
            // Python parses the stamp and prints it back with time.ctime: the same text if the format is ctime's.
            let check = try ChildProcess.run(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    """
                    import sys, time
                    t = time.mktime(time.strptime(sys.argv[1]))
                    print(time.ctime(t), abs(time.time() - t) < 120)
                    """, stamp,
                ])
            #expect(check.outputLines.first == "\(stamp) True", "\(check.standardError)")
            _ = try server.standardOutput.line { $0.hasPrefix("...connected from: 127.0.0.1:") }
        }

        @Test func seeds_PrintsUsage_ForAnUnknownProgram() throws {
            let result = try E2ERun.seeds(["no-such-program"])
            #expect(result.status == 2)
            #expect(result.outputText.hasPrefix("usage: seeds "))
        }

        @Test func seeds_ReportsOneLine_WhenThePortIsTaken() throws {
            let taken = try Socket.listen(on: "127.0.0.1:0")
            defer { taken.close() }
            let port = try #require(try taken.localAddress().port)
            let result = try E2ERun.seeds(["hello-server", "\(port)"])
            #expect(result.status == 1)
            #expect(result.outputText == "seeds: bind 127.0.0.1:\(port): address already in use\n")
        }
    }
}
