import Foundation
import Framing
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock connect`: a filter in a pipe, in every framing, over TCP, Unix and UDP.
    @Suite struct ConnectCommandTests {
        @Test func connectLine_PrintsOneReplyPerLine_AndExitsZeroAfterServerCloses() throws {
            let server = try E2EServer.serve("echo", ["--framing", "line"])
            defer { server.stop() }

            let result = try E2ERun.sock(["connect", server.address, "--framing", "line"], input: "a\nb\n")
            #expect(result.status == 0)
            #expect(result.outputText == "a\nb\n")
            #expect(result.standardError == "")
        }

        @Test(arguments: [Framing.line, .length, .seed])
        func connect_SendsEachStdinLineAsOneMessage_InEveryFraming(_ framing: Framing) throws {
            let server = try E2EServer.serve("upper", ["--framing", framing.rawValue])
            defer { server.stop() }

            let result = try E2ERun.sock(
                ["connect", server.address, "--framing", framing.rawValue], input: "straße\nsecond line\n\nlast\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "STRASSE\nSECOND LINE\n\nLAST\n")
        }

        @Test func connectLine_PrintsGreeting_AndStopsWhenServerCloses() throws {
            let server = try E2EServer.serve("hello")
            defer { server.stop() }

            let result = try E2ERun.sock(["connect", server.address, "--framing", "line"], input: "bob\nexit\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "Welcome!\nHello, bob!\n")
        }

        @Test func connectRaw_CopiesBytesExactly_IncludingBinary() throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }
            let payload = bytePattern(count: 500_000, seed: 7)

            let result = try E2ERun.sock(["connect", server.address], input: payload)
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.standardOutput.count == payload.count)
            #expect(result.standardOutput == payload)
        }

        @Test func connectRaw_AddsNothing_WhenInputHasNoNewline() throws {
            let server = try E2EServer.serve("upper", ["--framing", "raw"])
            defer { server.stop() }

            let result = try E2ERun.sock(["connect", server.address, "--framing", "raw"], input: "no newline ß")
            #expect(result.status == 0)
            #expect(result.outputText == "NO NEWLINE SS")
        }

        @Test(arguments: ["[::1]:0", "unix"])
        func connect_WorksOverIPv6AndUnixSockets(_ listen: String) throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let server = try E2EServer.serve(
                "echo", ["--framing", "line"], listen: listen == "unix" ? "unix:\(directory)/c.sock" : listen)
            defer { server.stop() }

            let result = try E2ERun.sock(["connect", server.address, "--framing", "line"], input: "over \(listen)\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "over \(listen)\n")
        }

        @Test func connectUDP_SendsEachLineAsDatagram_AndPrintsRepliesDuringWait() throws {
            let server = try E2EServer.serve("echo", ["--udp"])
            defer { server.stop() }

            let start = ContinuousClock.now
            let result = try E2ERun.sock(["connect", server.address, "--udp", "--wait", "0.5"], input: "first\n\nthird\n")
            let elapsed = ContinuousClock.now - start
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "first\n\nthird\n")
            #expect(elapsed >= .milliseconds(500))
            #expect(elapsed < .seconds(8))
        }

        @Test func connectUDP_UppercasesThroughUpperServer() throws {
            let server = try E2EServer.serve("upper", ["--udp"])
            defer { server.stop() }

            let result = try E2ERun.sock(["connect", server.address, "--udp", "--wait", "0.3"], input: "straße\nabc\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "STRASSE\nABC\n")
        }

        @Test func connect_PrintsOneLine_WhenConnectionRefused() throws {
            let closed = try ClosedPort()

            let result = try E2ERun.sock(["connect", "127.0.0.1:\(closed.port)"], input: "hello\n")
            #expect(result.status != 0)
            #expect(result.errorLines == ["sock: connect 127.0.0.1:\(closed.port): connection refused"])
            #expect(result.standardOutput.isEmpty)
        }

        @Test func connect_SaysTheServerClosedTheConnection_EveryTime_WhenTurnedAway() throws {
            let server = try E2EServer.serve("echo", ["--framing", "line", "--max-connections", "1"])
            defer { server.stop() }
            let holder = try server.connect()
            try holder.send("holding the only place")
            #expect(try holder.receiveText() == "holding the only place")

            for _ in 0..<8 {
                let result = try E2ERun.sock(["connect", server.address, "--framing", "line"], input: "hello\n")
                #expect(result.status == 1)
                #expect(result.standardError == "sock: \(server.address): the server closed the connection\n")
                #expect(result.standardOutput.isEmpty)
            }
        }

        @Test func connect_ExitsZeroQuietly_WhenASinkReadsEverythingAndClosesWithoutAnswering() throws {
            let listener = try Socket.listen(on: "127.0.0.1:0")
            defer { listener.close() }
            listener.timeout = E2E.timeout
            let address = try "\(listener.localAddress())"
            let client = try E2EProcess(Products.sock, ["connect", address], input: Array("data for the sink\n".utf8))
            defer { client.stop(SIGKILL) }
            let (connection, _) = try listener.accept()
            connection.timeout = E2E.timeout
            var received: [UInt8] = []
            while case let chunk = try connection.recv(65_536), !chunk.isEmpty { received += chunk }
            connection.close()

            #expect(received == Array("data for the sink\n".utf8))
            #expect(client.waitForExit() == 0, "stderr: \(client.standardError.text)")
            client.standardError.waitForEnd()
            #expect(client.standardError.text == "")
        }

        @Test func connect_ExitsZeroQuietly_WhenNothingIsSentAndNothingComesBack() throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }

            let result = try E2ERun.sock(["connect", server.address], input: "")
            #expect(result.status == 0)
            #expect(result.standardError == "")
            #expect(result.standardOutput.isEmpty)
        }

        @Test(arguments: [
            ["connect", "bad!host:80"], ["connect", "bad!host:80", "--udp"],
            ["connect", "no..such..host:9", "--framing", "line"],
        ])
        func connect_PrintsOneLine_WhenHostDoesNotResolve(_ arguments: [String]) throws {
            let result = try E2ERun.sock(arguments, input: "hello\n")
            #expect(result.status != 0)
            #expect(result.errorLines.count == 1, "stderr: \(result.standardError)")
            #expect(result.standardError.hasPrefix("sock: "))
            #expect(result.standardOutput.isEmpty)
        }
    }
}
