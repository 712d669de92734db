import Foundation
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// The common client options on `sock connect`: `-v`, `-w`, `--source`, `-4`/`-6`,
    /// `--hex`, `--crlf`, and service names as ports.
    @Suite struct ConnectionOptionsTests {
        /// A listener the test accepts on itself, to see what the client sent and from where.
        private static func recordingListener() throws -> (Socket, String) {
            let listener = try Socket.listen(on: "127.0.0.1:0")
            listener.timeout = E2E.timeout
            return (listener, "\(try listener.localAddress())")
        }

        @Test func verbose_ShowsTheAddresses_AndAtTheEndTheBytesAndTheTCPStateAndRTT() throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }

            let result = try E2ERun.sock(["connect", server.address, "-v"], input: "hello\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "hello\n")
            let lines = result.errorLines
            #expect(lines.count == 2, "\(lines)")
            let connected = try #require(lines.first)
            #expect(
                connected.wholeMatch(of: /sock: connected peer=127\.0\.0\.1:\d+ local=127\.0\.0\.1:\d+ time=\d+\.\d{3}ms/) != nil,
                "\(connected)")
            #expect(connected.contains("peer=\(server.address) "))
            let closing = try #require(lines.last)
            #expect(
                closing.wholeMatch(
                    of:
                        /sock: closing sent=6 received=6 state=[A-Z0-9-]+ rtt=\d+\.\d{3}ms rttvar=\d+\.\d{3}ms retransmits=\d+ cwnd=\d+ mss=\d+/
                ) != nil, "\(closing)")
        }

        @Test func timeout_EndsTheCommand_WhenTheServerStaysSilent() throws {
            let (listener, address) = try Self.recordingListener()
            defer { listener.close() }

            let start = ContinuousClock.now
            let result = try E2ERun.sock(["connect", address, "-w", "0.5"], input: "")
            let elapsed = ContinuousClock.now - start
            #expect(result.status == 1)
            #expect(result.errorLines == ["sock: \(address): nothing sent or received for 0.5 s"])
            #expect(elapsed >= .milliseconds(500))
            #expect(elapsed < .seconds(8))
        }

        @Test func timeout_LimitsTheConnect_WhenTheHandshakeGetsNoAnswer() throws {
            let unanswered = try E2EUnansweredPort()
            defer { unanswered.close() }
            let address = unanswered.address

            let result = try E2ERun.sock(["connect", "\(address)", "--timeout", "0.3"], input: "")
            #expect(result.status == 1)
            #expect(result.errorLines == ["sock: connect \(address): timed out"])
        }

        @Test func hex_DumpsBothDirectionsOnStderr_AndLeavesStdoutAlone() throws {
            let server = try E2EServer.serve("upper", ["--framing", "raw"])
            defer { server.stop() }

            let result = try E2ERun.sock(["connect", server.address, "--hex"], input: "hi there, 17 byte")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "HI THERE, 17 BYTE")
            #expect(
                result.errorLines == [
                    "> 00000000  68 69 20 74 68 65 72 65  2c 20 31 37 20 62 79 74  |hi there, 17 byt|",
                    "> 00000010  65                                                |e|",
                    "< 00000000  48 49 20 54 48 45 52 45  2c 20 31 37 20 42 59 54  |HI THERE, 17 BYT|",
                    "< 00000010  45                                                |E|",
                ], "\(result.standardError)")
        }

        @Test func crlf_SendsLineEndsAsCRLF_KeepingThoseThatAlreadyAre() throws {
            let (listener, address) = try Self.recordingListener()
            defer { listener.close() }
            let client = try ChildProcess(Products.sock, ["connect", address, "--crlf"], input: E2E.bytes("a\nb\r\nc"))
            defer { client.stop(SIGKILL) }
            let (connection, _) = try listener.accept()
            defer { connection.close() }
            connection.timeout = E2E.timeout
            var received: [UInt8] = []
            while case let chunk = try connection.recv(4096), !chunk.isEmpty { received += chunk }

            #expect(received == E2E.bytes("a\r\nb\r\nc"))
        }

        @Test func source_BindsTheLocalAddressBeforeConnecting() throws {
            let (listener, address) = try Self.recordingListener()
            defer { listener.close() }
            let client = try ChildProcess(Products.sock, ["connect", address, "--source", "127.0.0.2"], input: [])
            defer { client.stop(SIGKILL) }
            let (connection, peer) = try listener.accept()
            defer { connection.close() }

            #expect(peer.host == "127.0.0.2")
        }

        @Test func serviceNames_AreTakenAsPorts() throws {
            try #require(FileManager.default.fileExists(atPath: "/etc/services"), "/etc/services is needed for service names")
            // Port 7 (echo): refused on a test machine; either way the message names the port.
            let result = try E2ERun.sock(["connect", "127.0.0.1:echo", "-v", "-w", "1"], input: "")
            #expect(result.standardError.contains("127.0.0.1:7"), "\(result.standardError)")
        }

        @Test func verbose_ShowsTheConnectionAndItsTCPInfo_ForTheFilesClients() throws {
            let temporary = try TemporaryDirectory("sock-options")
            defer { temporary.remove() }
            let server = try E2EServer.serve("files", ["--root", temporary.path])
            defer { server.stop() }

            let result = try E2ERun.sock(["ls", server.address, "-v"])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let lines = result.errorLines
            #expect(lines.count == 2, "\(lines)")
            #expect(lines.first?.hasPrefix("sock: connected peer=\(server.address) local=127.0.0.1:") == true, "\(lines)")
            let closing = try #require(lines.last)
            #expect(
                closing.wholeMatch(of: /sock: closing sent=\d+ received=\d+ state=[A-Z0-9-]+ rtt=\d+\.\d{3}ms .*/) != nil,
                "\(closing)")
        }

        @Test(arguments: [["ls"], ["get", "name", "--quiet"], ["put", "FILE", "--quiet"]])
        func timeout_EndsTheFilesClients_WhenTheServerStaysSilent(_ command: [String]) throws {
            let (listener, address) = try Self.recordingListener()
            defer { listener.close() }
            let temporary = try TemporaryDirectory("sock-options")
            defer { temporary.remove() }
            let file = "\(temporary.path)/small.txt"
            try Data("small".utf8).write(to: URL(fileURLWithPath: file))

            let arguments = [command[0], address] + command.dropFirst().map { $0 == "FILE" ? file : $0 } + ["-w", "0.3"]
            let result = try E2ERun.sock(arguments)
            #expect(result.status == 1)
            #expect(result.errorLines.count == 1, "\(result.standardError)")
            #expect(result.standardError.contains("timed out"), "\(result.standardError)")
        }

        /// The bytes a `--hex` dump shows for the direction `marker` (`>` or `<`), in order.
        private static func dumped(_ lines: [String], _ marker: Character) -> [UInt8] {
            lines.filter { $0.first == marker && $0.dropFirst().first == " " }.flatMap { line in
                // `> 00000000  68 65 …  |he…|`: the hex columns are the 49 characters after the offset.
                line.dropFirst(12).prefix(49).split(separator: " ").compactMap { UInt8($0, radix: 16) }
            }
        }

        @Test func hex_DumpsBothDirections_ForTheFilesClientsGetAndPut() throws {
            let temporary = try TemporaryDirectory("sock-options")
            defer { temporary.remove() }
            try Data("hello from the file".utf8).write(to: URL(fileURLWithPath: "\(temporary.path)/a.txt"))
            let server = try E2EServer.serve("files", ["--root", temporary.path, "--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock(["get", server.address, "a.txt", "-o", "-", "--hex", "--quiet"])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "hello from the file")
            let sent = Self.dumped(result.errorLines, ">")
            let received = Self.dumped(result.errorLines, "<")
            #expect(sent.count + received.count > 0, "\(result.standardError)")
            // The request: a 4-byte length, then that many bytes of JSON naming the file.
            let requestLength = sent.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            #expect(sent.count == 4 + requestLength, "\(result.standardError)")
            #expect(String(decoding: sent.dropFirst(4), as: UTF8.self).contains("\"a.txt\""), "\(result.standardError)")
            // The response: its header, then the file's bytes, nothing else.
            let responseLength = received.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            #expect(Array(received.dropFirst(4 + responseLength)) == E2E.bytes("hello from the file"))

            let put = try E2ERun.sock(["put", server.address, "\(temporary.path)/a.txt", "--as", "b.txt", "--hex", "--quiet"])
            #expect(put.status == 0, "stderr: \(put.standardError)")
            // The put request: its header, then the file's bytes.
            let putSent = Self.dumped(put.errorLines, ">")
            let putHeaderLength = putSent.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            #expect(Array(putSent.dropFirst(4 + putHeaderLength)) == E2E.bytes("hello from the file"))
            #expect(!Self.dumped(put.errorLines, "<").isEmpty, "\(put.standardError)")
        }

        @Test func hex_DumpsBothDirections_ForTheExecClient() throws {
            let server = try E2EServer.serve("exec", ["--allow", "printf", "--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock(["exec", server.address, "--hex", "--", "printf", "out-bytes"])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "out-bytes")
            #expect(result.errorLines.allSatisfy { $0.hasPrefix("> ") || $0.hasPrefix("< ") }, "\(result.standardError)")
            let sent = String(decoding: Self.dumped(result.errorLines, ">"), as: UTF8.self)
            let received = String(decoding: Self.dumped(result.errorLines, "<"), as: UTF8.self)
            #expect(sent.contains("\"printf\""), "\(result.standardError)")
            #expect(received.contains("out-bytes"), "\(result.standardError)")
        }

        @Test func family_KeepsToIPv4OrIPv6() throws {
            let result = try E2ERun.sock(["connect", "127.0.0.1:9", "-6"], input: "")
            #expect(result.status == 1)
            #expect(result.errorLines == ["sock: getaddrinfo: 127.0.0.1:9: not an inet6 address"])

            let exec = try E2ERun.sock(["exec", "127.0.0.1:9", "-6", "--", "true"])
            #expect(exec.status == 1)
            #expect(exec.errorLines == ["sock: getaddrinfo: 127.0.0.1:9: not an inet6 address"])

            let both = try E2ERun.sock(["connect", "127.0.0.1:9", "-4", "-6"], input: "")
            #expect(both.status != 0)
            #expect(both.errorLines.count == 1)
            #expect(both.standardError.contains("-4 and -6 exclude each other"), "\(both.standardError)")
        }
    }
}
