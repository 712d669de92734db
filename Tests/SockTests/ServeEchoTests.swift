import Foundation
import Framing
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock serve echo`: the listening line, connection logging, every framing, UDP.
    @Suite struct ServeEchoTests {
        @Test func serve_PrintsNumericAddressAndRealPort_WhenListeningOnLocalhostPortZero() throws {
            let server = try E2EServer.serve("echo", listen: "localhost:0")
            defer { server.stop() }

            #expect(server.address.wholeMatch(of: /127\.0\.0\.1:\d+/) != nil, "got \(server.address)")
            #expect(server.port > 0)
            let client = try server.connect(framing: .raw)
            try client.send("ping")
            #expect(try client.receiveRaw(count: 4) == E2E.bytes("ping"))
        }

        @Test func serve_EchoesForEveryClient_WithOneReusePortListenerPerReactor() throws {
            let server = try E2EServer.serve("echo", ["--threads", "2", "--reuse-port", "--quiet"])
            defer { server.stop() }

            let clients = try (0..<8).map { _ in try server.connect(framing: .raw) }
            for (index, client) in clients.enumerated() {
                try client.send("c\(index)")
                #expect(try client.receiveRaw(count: 2) == E2E.bytes("c\(index)"))
            }
        }

        @Test(arguments: [["--udp"], ["--listen", "unix:/tmp/never-made.sock"]])
        func serve_RefusesReusePort_ForUDPAndUnixListeners(_ arguments: [String]) throws {
            let result = try E2ERun.sock(["serve", "echo", "--reuse-port"] + arguments, input: "")
            #expect(result.status == 64)
            #expect(result.standardError.contains("--reuse-port is for TCP listeners"), "\(result.standardError)")
        }

        @Test func serve_PrintsBracketedAddress_WhenListeningOnIPv6Loopback() throws {
            let server = try E2EServer.serve("echo", listen: "[::1]:0")
            defer { server.stop() }

            #expect(server.address.wholeMatch(of: /\[::1\]:\d+/) != nil, "got \(server.address)")
            #expect(server.port > 0)
            let client = try server.connect(framing: .raw)
            try client.send("over v6")
            #expect(try client.receiveRaw(count: 7) == E2E.bytes("over v6"))
        }

        @Test func serve_PrintsUnixPath_WhenListeningOnUnixSocket() throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let path = directory + "/echo.sock"
            let server = try E2EServer.serve("echo", listen: "unix:" + path)
            defer { server.stop() }

            #expect(server.address == "unix:" + path)
            #expect(FileManager.default.fileExists(atPath: path))
            let client = try server.connect(framing: .raw)
            try client.send("over unix")
            #expect(try client.receiveRaw(count: 9) == E2E.bytes("over unix"))
        }

        @Test(arguments: [SIGTERM, SIGINT])
        func serve_PrintsExactlyOneStdoutLine_AndExitsZero_OnSignal(_ signal: Int32) async throws {
            let baseline = try E2EOwnDescriptors.baseline()
            try {
                let server = try E2EServer.serve("echo")
                defer { server.stop() }
                let client = try server.connect()
                try client.send("one")
                #expect(try client.receiveText() == "one")
                let open = try server.connect(framing: .raw)
                let big = bytePattern(count: 200_000)
                let sender = E2ESender(open.socket, big)
                #expect(try open.receiveRaw(count: big.count) == big)
                #expect(sender.wait())
                client.reset()

                #expect(server.stop(signal) == 0)
                #expect(open.isClosedByServer(), "a connection still open is closed at the exit")
                server.standardOutput.waitForEnd()
                #expect(server.standardOutput.text == "listening on \(server.address)\n")
            }()
            #expect(
                await E2EOwnDescriptors.areBack(to: baseline),
                "the test process's descriptors are not back: \(E2EOwnDescriptors.added(since: baseline))")
        }

        @Test func serve_LogsOpenedAndClosedWithPeer_OnStandardError() throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }

            let client = try server.connect(framing: .raw)
            let peer = try client.socket.localAddress().description
            try client.send("x")
            _ = try client.receiveRaw(count: 1)
            client.socket.close()

            #expect(server.standardError.wait(forText: " info connection closed peer=\(peer)\n"))
            let lines = server.standardError.lines
            #expect(lines.contains { $0.hasSuffix(" info connection opened peer=\(peer)") }, "\(lines)")
            #expect(lines.contains { $0.hasSuffix(" info connection closed peer=\(peer)") }, "\(lines)")
            #expect(server.standardOutput.lines == ["listening on \(server.address)"])
        }

        @Test func serve_LogsNothing_WhenQuiet() throws {
            let server = try E2EServer.serve("echo", ["--quiet"])
            defer { server.stop() }
            let client = try server.connect(framing: .raw)
            try client.send("x")
            #expect(try client.receiveRaw(count: 1) == E2E.bytes("x"))
            client.socket.close()
            let other = try server.connect(framing: .raw)
            try other.send("y")
            #expect(try other.receiveRaw(count: 1) == E2E.bytes("y"))
            other.reset()

            #expect(server.stop() == 0)
            server.standardError.waitForEnd()
            #expect(server.standardError.text == "")
        }

        @Test func echoRaw_ReturnsEveryByte_IncludingBinary() throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }
            let client = try server.connect(framing: .raw)
            let payload = bytePattern(count: 300_000)

            let sender = E2ESender(client.socket, payload, halfClose: true)
            let echoed = try client.receiveRawUntilClosed()
            #expect(sender.wait())
            #expect(echoed.count == payload.count)
            #expect(echoed == payload)
        }

        @Test func echoLine_ReturnsEachLine_WhenSeveralArriveInOneSegment() throws {
            let server = try E2EServer.serve("echo", ["--framing", "line"])
            defer { server.stop() }
            let client = try server.connect()

            try client.sendRaw(E2E.bytes("alpha\nbeta\r\n\nstraße 🎉\n"))
            #expect(try client.receiveText() == "alpha")
            #expect(try client.receiveText() == "beta")
            #expect(try client.receiveText() == "")
            #expect(try client.receiveText() == "straße 🎉")
            try client.sendRaw(E2E.bytes("split "))
            try client.sendRaw(E2E.bytes("line\n"))
            #expect(try client.receiveText() == "split line")
        }

        @Test(arguments: [Framing.length, .seed])
        func echoLengthPrefixed_RoundTripsMessagesOfEverySize(_ framing: Framing) throws {
            let server = try E2EServer.serve("echo", ["--framing", framing.rawValue])
            defer { server.stop() }
            let client = try server.connect(framing: framing)

            for size in [0, 1, 1000, 200_000] {
                let message = bytePattern(count: size, seed: UInt32(size + 1))
                let sender = E2ESender(client.socket, try E2E.framed(message, framing))
                #expect(try client.receive() == message, "size \(size)")
                #expect(sender.wait())
            }
        }

        @Test func echoLength_WritesBigEndianHeader() throws {
            let server = try E2EServer.serve("echo", ["--framing", "length"])
            defer { server.stop() }
            let client = try server.connect(framing: .raw)

            try client.sendRaw([0, 0, 1, 4] + [UInt8](repeating: 0x61, count: 260))
            #expect(try client.receiveRaw(count: 264) == [0, 0, 1, 4] + [UInt8](repeating: 0x61, count: 260))
        }

        @Test func echoSeed_WritesLittleEndianHeader() throws {
            let server = try E2EServer.serve("echo", ["--framing", "seed"])
            defer { server.stop() }
            let client = try server.connect(framing: .raw)

            try client.sendRaw([4, 1, 0, 0] + [UInt8](repeating: 0x62, count: 260))
            #expect(try client.receiveRaw(count: 264) == [4, 1, 0, 0] + [UInt8](repeating: 0x62, count: 260))
        }

        @Test(arguments: Framing.allCases)
        func echo_RepliesThenCloses_WhenClientHalfCloses(_ framing: Framing) throws {
            let server = try E2EServer.serve("echo", ["--framing", framing.rawValue])
            defer { server.stop() }
            let client = try server.connect(framing: framing)

            try client.send("first")
            if framing != .raw { try client.send("second") }
            try client.finishSending()
            if framing == .raw {
                #expect(try client.receiveRawUntilClosed() == E2E.bytes("first"))
            } else {
                #expect(try client.receiveAllText() == ["first", "second"])
            }
        }

        @Test func echoLine_RepliesToUnterminatedLastLine_WhenClientHalfCloses() throws {
            let server = try E2EServer.serve("echo", ["--framing", "line"])
            defer { server.stop() }
            let client = try server.connect()

            try client.sendRaw(E2E.bytes("done\nno newline"))
            try client.finishSending()
            #expect(try client.receiveAllText() == ["done", "no newline"])
        }

        @Test func echoUDP_ReturnsEveryDatagram_EmptyOnesIncluded() throws {
            let server = try E2EServer.serve("echo", ["--udp"])
            defer { server.stop() }
            #expect(server.address.wholeMatch(of: /127\.0\.0\.1:\d+/) != nil)
            let client = try E2EDatagramClient(server.address)

            for datagram in [E2E.bytes("hello"), [], bytePattern(count: 256), bytePattern(count: 60_000, seed: 9)] {
                try client.send(datagram)
                #expect(try client.receive() == datagram, "datagram of \(datagram.count) bytes")
            }
        }

        @Test func echoUDP_AnswersEachSender_OverIPv6() throws {
            let server = try E2EServer.serve("echo", ["--udp"], listen: "[::1]:0")
            defer { server.stop() }
            #expect(server.address.wholeMatch(of: /\[::1\]:\d+/) != nil)
            let first = try E2EDatagramClient(server.address)
            let second = try E2EDatagramClient(server.address)

            try first.send("from first")
            try second.send("from second")
            #expect(try second.receiveText() == "from second")
            #expect(try first.receiveText() == "from first")
        }
    }
}
