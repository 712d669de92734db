import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// The log `sock serve` writes on stderr: time, level, message, quoted `key=value`;
    /// the peer's real address; refusals with their reason; one line at shutdown.
    @Suite struct ServeLogTests {
        /// Whether `line` starts as every line does: `2026-12-03T06:10:15.123Z info `.
        static func hasTimeAndLevel(_ line: String) -> Bool {
            line.prefixMatch(
                of: #/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z (info|notice|warning|error) /#) != nil
        }

        /// The first line of `server`'s log that contains `text`, waiting for it.
        static func line(_ server: E2EServer, containing text: String) throws -> String {
            guard server.standardError.wait(forText: text) else {
                throw HarnessError("no log line with \(text): \(server.standardError.text)")
            }
            return try #require(server.standardError.lines.first { $0.contains(text) })
        }

        @Test func serve_StartsEveryLineWithTimeAndLevel() throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }
            let client = try server.connect(framing: .raw)
            let peer = try client.socket.localAddress().description
            client.socket.close()
            let line = try Self.line(server, containing: "connection closed")
            #expect(Self.hasTimeAndLevel(line), "\(line)")
            #expect(line.hasSuffix(" info connection closed peer=\(peer)"), "\(line)")
        }

        @Test func serve_NamesAnUnnamedUnixPeer() throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let server = try E2EServer.serve("echo", [], listen: "unix:" + temporary.path + "/echo.sock")
            defer { server.stop() }
            try server.connect(framing: .raw).socket.close()
            let line = try Self.line(server, containing: "connection opened")
            #expect(line.hasSuffix(" connection opened peer=unix:(unnamed)"), "\(line)")
        }

        @Test func files_QuotesNames_AndLogsRefusalsWithTheirReason_NotAsFailures() async throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            try FileManager.default.createDirectory(atPath: directory + "/root", withIntermediateDirectories: false)
            try FileManager.default.createDirectory(atPath: directory + "/ro", withIntermediateDirectories: false)
            try Data("hi\n".utf8).write(to: URL(fileURLWithPath: directory + "/my file é.txt"))
            try Data(bytePattern(count: 4 * 1024 * 1024)).write(to: URL(fileURLWithPath: directory + "/big.bin"))
            let server = try E2EServer.serve("files", ["--root", directory + "/root"])
            defer { server.stop() }
            let readOnly = try E2EServer.serve("files", ["--root", directory + "/ro", "--read-only"])
            defer { readOnly.stop() }

            let put = try await onThread { try E2ERun.sock(["put", server.address, directory + "/my file é.txt"]) }
            #expect(put.status == 0, "\(put.standardError)")
            let stored = try Self.line(server, containing: " info put ")
            #expect(stored.contains(#" put name="my file é.txt" peer=127.0.0.1:"#), "\(stored)")
            #expect(stored.hasSuffix(" size=3"), "\(stored)")

            let missing = try await onThread { try E2ERun.sock(["get", server.address, "nope", "-o", directory + "/nope"]) }
            #expect(missing.status == 1)
            let notFound = try Self.line(server, containing: "get refused")
            #expect(notFound.contains(" info get refused name=nope peer="), "\(notFound)")
            #expect(notFound.hasSuffix(#" reason="no such file: nope""#), "\(notFound)")

            // The client stops sending when the refusal arrives: no `connection failed` for that.
            let refused = try await onThread { try E2ERun.sock(["put", readOnly.address, directory + "/big.bin"]) }
            #expect(refused.status == 1)
            let line = try Self.line(readOnly, containing: "put refused")
            #expect(line.contains(" info put refused name=big.bin peer="), "\(line)")
            #expect(line.hasSuffix(#" reason="the server is read-only""#), "\(line)")
            #expect(readOnly.stop() == 0)
            readOnly.standardError.waitForEnd()
            #expect(!readOnly.standardError.text.contains("connection failed"), "\(readOnly.standardError.text)")
            #expect(!readOnly.standardError.text.contains("notice"), "\(readOnly.standardError.text)")
        }

        @Test func exec_LogsADisallowedProgram_AtInfoWithItsReason() async throws {
            let server = try E2EServer.serve("exec", ["--allow", "printf"])
            defer { server.stop() }
            let refused = try await onThread { try E2ERun.sock(["exec", server.address, "--", "rm", "-rf", "/nonexistent"]) }
            #expect(refused.status == 126)
            let line = try Self.line(server, containing: "exec refused")
            #expect(line.contains(" info exec refused peer=127.0.0.1:"), "\(line)")
            #expect(line.hasSuffix(#" program=rm reason="not allowed""#), "\(line)")
        }

        @Test(arguments: [SIGTERM, SIGINT])
        func serve_LogsOneLineAtShutdown_WithTheSignalAndTheConnectionsClosed(_ signal: Int32) throws {
            let server = try E2EServer.serve("echo")
            let client = try server.connect(framing: .raw)
            try client.send("x")
            _ = try client.receiveRaw(count: 1)
            #expect(server.standardError.wait(forText: "connection opened"))
            #expect(server.stop(signal) == 0)
            server.standardError.waitForEnd()
            let lines = server.standardError.lines.filter { $0.contains("shut down") }
            #expect(lines.count == 1, "\(server.standardError.text)")
            let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
            #expect(lines.first?.hasSuffix(" info shut down connections_closed=1 reason=\(name)") == true, "\(lines)")
            #expect(server.standardError.lines.filter { !$0.isEmpty }.last?.contains("shut down") == true)
        }
    }
}
