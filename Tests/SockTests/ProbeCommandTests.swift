import Foundation
import Sockets
import TestSupport
import Testing

extension E2ESuite {
    /// `sock probe HOST PORTS`: netcat's `-z` over loopback ports that accept, refuse or
    /// do not answer.
    @Suite struct ProbeCommandTests {
        @Test func probe_PrintsOneLinePerPortInPortOrder_AndExitsZero_WhenOneIsOpen() throws {
            let listener = try Socket.listen(on: "127.0.0.1:0")
            defer { listener.close() }
            let open = try #require(try listener.localAddress().port)
            let closed = try ClosedPort()
            defer { closed.close() }

            let result = try E2ERun.sock(["probe", "127.0.0.1", "\(max(open, closed.port)),\(min(open, closed.port))"])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let expected = [(open, "open"), (closed.port, "closed")].sorted { $0.0 < $1.0 }.map { "\($0.0) \($0.1)" }
            #expect(result.outputLines == expected + [""])
            #expect(result.standardError == "")
        }

        @Test func probe_ExitsOne_WhenNoPortIsOpen() throws {
            let closed = try ClosedPort()
            defer { closed.close() }

            let result = try E2ERun.sock(["probe", "[::1]", "\(closed.port)-\(closed.port),\(closed.port)"])
            #expect(result.status == 1)
            #expect(result.outputText == "\(closed.port) closed\n")
        }

        @Test func probe_SaysFiltered_WhenNoAnswerArrivesWithinTheTimeout() throws {
            let unanswered = try E2EUnansweredPort()
            defer { unanswered.close() }
            let address = unanswered.address

            let start = ContinuousClock.now
            let result = try E2ERun.sock(["probe", "127.0.0.1", "\(address.port ?? 0)", "--timeout", "0.5"])
            #expect(result.status == 1, "stderr: \(result.standardError)")
            #expect(result.outputText == "\(address.port ?? 0) filtered\n")
            #expect(ContinuousClock.now - start >= .milliseconds(500))
        }

        @Test func probe_AcceptsServiceNames() throws {
            try #require(FileManager.default.fileExists(atPath: "/etc/services"), "/etc/services is needed for service names")
            let result = try E2ERun.sock(["probe", "127.0.0.1", "echo", "--timeout", "1"])
            // Port 7 (echo) is closed on a test machine, but open would show the mapping as well.
            #expect(result.outputText == "7 closed\n" || result.outputText == "7 open\n", "stderr: \(result.standardError)")
        }

        @Test(arguments: [
            ("80,", "empty entry"), ("80,abc", "'abc' is neither a port number nor a known TCP service"),
            ("90-80", "'90-80' is an empty range"), ("0", "'0' is not a port from 1 to 65535"),
            ("70000", "'70000' is not a port from 1 to 65535"), ("1-x", "'1-x' is not a range of ports"),
        ])
        func probe_SaysWhichEntryIsWrong_ForAMalformedPortList(_ ports: String, _ message: String) throws {
            let result = try E2ERun.sock(["probe", "127.0.0.1", ports])
            #expect(result.status != 0)
            #expect(result.errorLines.count == 1, "stderr: \(result.standardError)")
            #expect(result.standardError.contains("invalid port list '\(ports)'"), "stderr: \(result.standardError)")
            #expect(result.standardError.contains(message), "stderr: \(result.standardError)")
            #expect(result.standardOutput.isEmpty)
        }
    }
}
