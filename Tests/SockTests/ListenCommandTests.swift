import Foundation
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock listen`: netcat's `-l`, `-k`, ncat's `--exec`, and `--udp`.
    @Suite struct ListenCommandTests {
        @Test func listen_WiresTheConnectionToStdinAndStdout_BothWays() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0"], keepingStandardInputOpen: true)
            defer { listener.stop(SIGKILL) }
            let client = try E2EClient(listener.address, framing: .raw)

            try listener.child.writeInput(E2E.bytes("from stdin\n"))
            #expect(try client.receiveRaw(count: 11) == E2E.bytes("from stdin\n"))
            try client.sendRaw(E2E.bytes("from the peer\n"))
            #expect(listener.child.standardOutput.wait(forText: "from the peer\n"))

            try client.finishSending()
            #expect(listener.child.waitForExit() == 0, "stderr: \(listener.child.standardError.text)")
            #expect(listener.child.standardOutput.text == "from the peer\n")
            #expect(listener.child.standardError.lines == ["listening on \(listener.address)"])
        }

        @Test func listen_HalfClosesAtTheEndOfStdin_AndStillPrintsWhatThePeerSends() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0"], input: E2E.bytes("all of stdin"))
            defer { listener.stop(SIGKILL) }
            let client = try E2EClient(listener.address, framing: .raw)

            // The end of stdin reaches the peer as the end of the stream…
            #expect(try client.receiveRawUntilClosed() == E2E.bytes("all of stdin"))
            // …and the peer can still send; its end makes sock exit 0.
            try client.sendRaw(E2E.bytes("after the half-close"))
            try client.finishSending()
            #expect(listener.child.waitForExit() == 0, "stderr: \(listener.child.standardError.text)")
            listener.child.standardOutput.waitForEnd()
            #expect(listener.child.standardOutput.text == "after the half-close")
        }

        @Test func listen_WorksOnAUnixSocket_AndRemovesItsFileAtTheEnd() throws {
            let temporary = try TemporaryDirectory("sock-listen")
            defer { temporary.remove() }
            let path = "\(temporary.path)/l.sock"
            let listener = try E2EListener(["listen", "unix:\(path)"], input: [])
            defer { listener.stop(SIGKILL) }
            #expect(listener.address == "unix:\(path)")
            let client = try E2EClient(listener.address, framing: .raw)

            try client.sendRaw(E2E.bytes("over unix"))
            try client.finishSending()
            #expect(listener.child.waitForExit() == 0, "stderr: \(listener.child.standardError.text)")
            #expect(listener.child.standardOutput.text == "over unix")
            #expect(!FileManager.default.fileExists(atPath: path))
        }

        @Test(arguments: [SIGINT, SIGTERM])
        func listenUnix_RemovesItsSocketFile_WhenSignalled(_ signal: Int32) throws {
            let temporary = try TemporaryDirectory("sock-listen")
            defer { temporary.remove() }
            let path = "\(temporary.path)/l.sock"
            let waiting = try E2EListener(["listen", "unix:\(path)"], keepingStandardInputOpen: true)
            defer { waiting.stop(SIGKILL) }
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(waiting.stop(signal) == 128 + signal)
            #expect(!FileManager.default.fileExists(atPath: path), "left after \(signal) while waiting")

            // Also with a connection wired to stdin and stdout.
            let connected = try E2EListener(["listen", "unix:\(path)"], keepingStandardInputOpen: true)
            defer { connected.stop(SIGKILL) }
            let client = try E2EClient(connected.address, framing: .raw)
            try client.sendRaw(E2E.bytes("hi"))
            #expect(connected.child.standardOutput.wait(forText: "hi"))
            #expect(connected.stop(signal) == 128 + signal)
            #expect(!FileManager.default.fileExists(atPath: path), "left after \(signal) while connected")
        }

        @Test func listenUnix_LeavesAFileItDidNotCreate_WhenSignalled() throws {
            let temporary = try TemporaryDirectory("sock-listen")
            defer { temporary.remove() }
            let path = "\(temporary.path)/l.sock"
            let listener = try E2EListener(["listen", "unix:\(path)"], keepingStandardInputOpen: true)
            defer { listener.stop(SIGKILL) }
            // Someone else's file takes the path while sock listens.
            #expect(unlink(path) == 0)
            try Data("not sock's".utf8).write(to: URL(fileURLWithPath: path))
            #expect(listener.stop(SIGTERM) == 128 + SIGTERM)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "not sock's")
        }

        @Test func listenUDPUnix_RemovesItsSocketFile_WhenSignalled() throws {
            let temporary = try TemporaryDirectory("sock-listen")
            defer { temporary.remove() }
            let path = "\(temporary.path)/d.sock"
            let listener = try E2EListener(["listen", "--udp", "unix:\(path)"], keepingStandardInputOpen: true)
            defer { listener.stop(SIGKILL) }
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(listener.stop(SIGINT) == 128 + SIGINT)
            #expect(!FileManager.default.fileExists(atPath: path))
        }

        @Test func listenVerbose_ShowsThePeer_AndAtItsEndTheTCPState() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "-v"], input: [])
            defer { listener.stop(SIGKILL) }
            let client = try E2EClient(listener.address, framing: .raw)
            let local = try client.socket.localAddress()

            try client.finishSending()
            #expect(listener.child.waitForExit() == 0, "stderr: \(listener.child.standardError.text)")
            listener.child.standardError.waitForEnd()
            let lines = listener.child.standardError.lines
            #expect(lines.count == 3, "\(lines)")
            #expect(lines.dropFirst().first == "sock: accepted peer=\(local) local=\(listener.address)")
            let closing = try #require(lines.last)
            #expect(
                closing.wholeMatch(of: /sock: closing sent=0 received=0 state=[A-Z0-9-]+ rtt=\d+\.\d{3}ms .*/) != nil,
                "\(closing)")
        }

        @Test func listenHexAndCRLF_DumpBothDirections_AndSendLineEndsAsCRLF() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "--hex", "--crlf"], input: E2E.bytes("hi\n"))
            defer { listener.stop(SIGKILL) }
            let client = try E2EClient(listener.address, framing: .raw)

            #expect(try client.receiveRawUntilClosed() == E2E.bytes("hi\r\n"))
            try client.sendRaw(E2E.bytes("ok"))
            try client.finishSending()
            #expect(listener.child.waitForExit() == 0, "stderr: \(listener.child.standardError.text)")
            listener.child.standardError.waitForEnd()
            #expect(
                listener.child.standardError.lines.dropFirst() == [
                    "> 00000000  68 69 0d 0a                                       |hi..|",
                    "< 00000000  6f 6b                                             |ok|",
                ])
            #expect(listener.child.standardOutput.text == "ok")
        }

        @Test func listenKeep_ServesClientsOneAfterAnother() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "-k"], keepingStandardInputOpen: true)
            defer { listener.stop(SIGKILL) }

            for number in 1...2 {
                let client = try E2EClient(listener.address, framing: .raw)
                try client.sendRaw(E2E.bytes("client \(number)\n"))
                #expect(listener.child.standardOutput.wait(forText: "client \(number)\n"))
                try listener.child.writeInput(E2E.bytes("reply \(number)\n"))
                #expect(try client.receiveRaw(count: 8) == E2E.bytes("reply \(number)\n"))
                // The peer's end ends this connection; sock then waits for the next.
                try client.finishSending()
                #expect(try client.receiveRawUntilClosed().isEmpty)
            }
            #expect(!listener.child.hasExited)
            #expect(listener.child.standardOutput.text == "client 1\nclient 2\n")
        }

        @Test func listenExec_RunsTheProgramWithTheSocketAsStdinAndStdout() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "-k", "--exec", "cat", "-n"])
            defer { listener.stop(SIGKILL) }

            // Two connections at once: one `cat` each.
            let first = try E2EClient(listener.address, framing: .raw)
            let second = try E2EClient(listener.address, framing: .raw)
            try second.sendRaw(E2E.bytes("second\n"))
            try first.sendRaw(E2E.bytes("first\n"))
            try first.finishSending()
            try second.finishSending()
            #expect(String(decoding: try first.receiveRawUntilClosed(), as: UTF8.self) == "     1\tfirst\n")
            #expect(String(decoding: try second.receiveRawUntilClosed(), as: UTF8.self) == "     1\tsecond\n")
            #expect(!listener.child.hasExited)
        }

        @Test func listenExec_ClosesOnlyThatConnection_WhenTheProgramExitsEarly() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "-k", "--exec", "true"])
            defer { listener.stop(SIGKILL) }

            for _ in 1...2 {
                let client = try E2EClient(listener.address, framing: .raw)
                #expect(client.isClosedByServer())
            }
            #expect(!listener.child.hasExited)
            #expect(listener.stop() == 128 + SIGTERM)
        }

        @Test func listenExec_ExitsAfterTheOneConnection_WithoutKeep() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "-v", "--exec", "/bin/echo", "hello there"])
            defer { listener.stop(SIGKILL) }
            let client = try E2EClient(listener.address, framing: .raw)
            let local = try client.socket.localAddress()

            #expect(try client.receiveRawUntilClosed() == E2E.bytes("hello there\n"))
            #expect(listener.child.waitForExit() == 0, "stderr: \(listener.child.standardError.text)")
            listener.child.standardError.waitForEnd()
            #expect(listener.child.standardError.lines.last == "sock: /bin/echo exited status=0 peer=\(local)")
        }

        @Test func listenExec_SaysSo_WhenTheProgramDoesNotExist() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "--exec", "no-such-program-here"])
            defer { listener.stop(SIGKILL) }
            let client = try E2EClient(listener.address, framing: .raw)

            #expect(client.isClosedByServer())
            #expect(listener.child.waitForExit() == 1)
            listener.child.standardError.waitForEnd()
            #expect(listener.child.standardError.lines.last == "sock: no such program: no-such-program-here")
        }

        @Test func listenUDP_PrintsDatagramsFromTheFirstPeer_AndSendsStdinLinesBack() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "--udp"], keepingStandardInputOpen: true)
            defer { listener.stop(SIGKILL) }
            let peer = try E2EDatagramClient(listener.address)
            let stranger = try E2EDatagramClient(listener.address)

            try peer.send("first datagram")
            #expect(listener.child.standardOutput.wait(forText: "first datagram\n"))
            try stranger.send("from someone else")
            try peer.send("second")
            #expect(listener.child.standardOutput.wait(forText: "second\n"))
            try listener.child.writeInput(E2E.bytes("back to the peer\n"))
            #expect(try peer.receiveText() == "back to the peer")

            #expect(listener.child.standardOutput.text == "first datagram\nsecond\n")
        }

        @Test func listenTimeout_ClosesAnIdleConnection_AndExitsOne() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "-w", "0.3"], keepingStandardInputOpen: true)
            defer { listener.stop(SIGKILL) }
            let started = ContinuousClock.now
            let client = try E2EClient(listener.address, framing: .raw)
            let local = try client.socket.localAddress()

            #expect(client.isClosedByServer())
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(listener.child.waitForExit() == 1)
            listener.child.standardError.waitForEnd()
            #expect(listener.child.standardError.lines.last == "sock: \(local): nothing sent or received for 0.3 s, closing")
        }

        @Test func listenTimeoutKeep_ClosesTheIdleConnection_AndAcceptsTheNext() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "-k", "-w", "0.3"], keepingStandardInputOpen: true)
            defer { listener.stop(SIGKILL) }
            let idle = try E2EClient(listener.address, framing: .raw)
            let local = try idle.socket.localAddress()
            #expect(idle.isClosedByServer())
            #expect(
                listener.child.standardError.wait(forText: "sock: \(local): nothing sent or received for 0.3 s, closing\n"))

            let next = try E2EClient(listener.address, framing: .raw)
            try next.sendRaw(E2E.bytes("the next one\n"))
            #expect(listener.child.standardOutput.wait(forText: "the next one\n"))
            #expect(!listener.child.hasExited)
        }

        @Test func listenTimeout_KeepsAConnectionOpen_WhileBytesKeepComing() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "-w", "2"], keepingStandardInputOpen: true)
            defer { listener.stop(SIGKILL) }
            let client = try E2EClient(listener.address, framing: .raw)

            // 3 s in all, a byte every 0.25 s (time passing is what is tested): the connection stays.
            for letter in "abcdefghijkl" {
                try client.sendRaw(E2E.bytes("\(letter)"))
                #expect(listener.child.standardOutput.wait(forText: "\(letter)"))
                usleep(250_000)
            }
            try client.finishSending()
            #expect(listener.child.waitForExit() == 0, "stderr: \(listener.child.standardError.text)")
            #expect(listener.child.standardOutput.text == "abcdefghijkl")
        }

        @Test(arguments: [["--udp"], ["--exec", "cat"]])
        func listenTimeout_IsAUsageError_WithUDPOrExec(_ options: [String]) throws {
            let result = try E2ERun.sock(["listen", "127.0.0.1:0", "-w", "1"] + options)
            #expect(result.status == 64)
            #expect(
                result.standardError.contains("-w is for a connection wired to stdin and stdout, not --udp or --exec"),
                "\(result.standardError)")
        }

        @Test func listenUDPHex_DumpsEachDatagramBothWaysOnStderr() throws {
            let listener = try E2EListener(["listen", "127.0.0.1:0", "--udp", "--hex"], keepingStandardInputOpen: true)
            defer { listener.stop(SIGKILL) }
            let peer = try E2EDatagramClient(listener.address)

            try peer.send("ping")
            #expect(listener.child.standardOutput.wait(forText: "ping\n"))
            try listener.child.writeInput(E2E.bytes("pong\n"))
            #expect(try peer.receiveText() == "pong")
            #expect(listener.child.standardError.wait(forText: "|pong|\n"))
            #expect(
                listener.child.standardError.lines.dropFirst() == [
                    "< 00000000  70 69 6e 67                                       |ping|",
                    "> 00000000  70 6f 6e 67                                       |pong|",
                ], "\(listener.child.standardError.text)")
            #expect(listener.child.standardOutput.text == "ping\n")
        }
    }
}
