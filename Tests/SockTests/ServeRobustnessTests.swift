import Foundation
import Framing
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// SPEC §4's "never"s: misbehaving clients, limits, timeouts and signals.
    @Suite struct ServeRobustnessTests {
        @Test(arguments: ["echo", "upper", "hello", "chat"])
        func resetStorm_LeavesServerServing_AndDescriptorsBackAtBaseline(_ service: String) async throws {
            let server = try E2EServer.serve(service)
            defer { server.stop() }
            let baseline = try E2EStorm.baseline(server)

            for round in 0..<6 {
                // 50 clients open at once, each sends, some read a little, all reset.
                var clients: [E2EClient] = []
                for index in 0..<50 {
                    let client = try server.connect(framing: .raw)
                    try client.sendRaw(E2E.bytes("message \(round)-\(index)\n") + bytePattern(count: index * 100))
                    clients.append(client)
                }
                for (index, client) in clients.enumerated() {
                    if index % 3 == 0 { _ = try? client.socket.recv(10) }
                    client.reset()
                }
            }

            #expect(server.isRunning)
            #expect(await server.waitForDescriptors(atMost: baseline), "\(server.openDescriptors) open, baseline \(baseline)")
            try E2EStorm.expectServes(server, service)
            #expect(E2EStorm.isIdle(server), "the server keeps using CPU after the storm")
            #expect(server.stop() == 0)
        }

        @Test(arguments: [Framing.raw, .line])
        func echo_NeverReadingClient_DoesNotDelayOthers(_ framing: Framing) throws {
            let server = try E2EServer.serve("echo", ["--framing", framing.rawValue])
            defer { server.stop() }
            let hog = try server.connect(framing: framing)
            let unit = framing == .line ? [UInt8](repeating: 0x68, count: 999) + [0x0A] : bytePattern(count: 65_536)
            let stuffed = try E2EStorm.fillUntilStalled(hog.socket, unit: unit)
            #expect(stuffed > 1_000_000, "only \(stuffed) bytes went out before the hog stalled")

            let other = try server.connect(framing: framing)
            var slowest = Duration.zero
            for index in 0..<50 {
                let start = ContinuousClock.now
                try other.send("round trip \(index)")
                if framing == .line {
                    #expect(try other.receiveText() == "round trip \(index)")
                } else {
                    #expect(try other.receiveRaw(count: "round trip \(index)".utf8.count) == E2E.bytes("round trip \(index)"))
                }
                slowest = max(slowest, ContinuousClock.now - start)
            }
            #expect(slowest < .seconds(1), "slowest round trip \(slowest)")
            #expect(E2EStorm.isIdle(server), "the server spins while the hog does not read")
            let newcomer = try server.connect(framing: framing)
            try newcomer.send("hello")
            #expect(try newcomer.receiveRaw(count: 5) == E2E.bytes("hello"))
            hog.reset()
            #expect(server.isRunning)
        }

        @Test func silentAndHalfSentClients_DoNotDelayOthers() throws {
            let server = try E2EServer.serve("upper", ["--quiet"])
            defer { server.stop() }
            var idlers: [E2EClient] = []
            for index in 0..<100 {
                let client = try server.connect()
                if index % 2 == 0 { try client.sendRaw(E2E.bytes("half a line without its end \(index)")) }
                idlers.append(client)
            }

            let other = try server.connect()
            let start = ContinuousClock.now
            for index in 0..<20 {
                try other.send("quick \(index)")
                #expect(try other.receiveText() == "QUICK \(index)")
            }
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(E2EStorm.isIdle(server))
            // The half-sent lines are still answered once they are complete.
            try idlers[0].sendRaw(E2E.bytes("!\n"))
            #expect(try idlers[0].receiveText() == "HALF A LINE WITHOUT ITS END 0!")
        }

        @Test(arguments: ["echo", "upper", "time", "hello"])
        func lineOverLimit_ClosesOnlyThatConnection_AfterErrorLine(_ service: String) throws {
            let server = try E2EServer.serve(service, ["--framing", "line"])
            defer { server.stop() }
            let bystander = try server.connect()
            let offender = try server.connect()
            if service == "hello" {
                #expect(try bystander.receiveText() == "Welcome!")
                #expect(try offender.receiveText() == "Welcome!")
            }

            _ = E2ESender(offender.socket, [UInt8](repeating: 0x61, count: 70_000) + E2E.bytes("\n"))
            let reply = try #require(try offender.receiveText())
            #expect(reply.hasPrefix("! "), "got \(reply.prefix(80))")
            #expect(offender.isClosedByServer())

            try bystander.send("fine")
            let answer = try #require(try bystander.receiveText())
            #expect(answer.hasSuffix("fine") || answer.hasSuffix("FINE") || answer == "Hello, fine!")
            #expect(server.isRunning)
        }

        @Test func echoLine_AcceptsLineOfExactlyTheLimit() throws {
            let server = try E2EServer.serve("echo", ["--framing", "line"])
            defer { server.stop() }
            let client = try server.connect()
            let line = [UInt8](repeating: 0x62, count: 64 * 1024)

            let sender = E2ESender(client.socket, line + E2E.bytes("\r\n"))
            #expect(try client.receive() == line)
            #expect(sender.wait())
        }

        @Test(arguments: [
            (Framing.length, [UInt8]([0x01, 0x00, 0x00, 0x01])),  // 16 MiB + 1
            (Framing.length, [UInt8]([0xFF, 0xFF, 0xFF, 0xFF])),  // 4 GiB - 1
            (Framing.seed, [UInt8]([0x01, 0x00, 0x00, 0x01])),  // 16 MiB + 1, little-endian
            (Framing.seed, [UInt8]([0xFF, 0xFF, 0xFF, 0xFF])),  // -1
            (Framing.seed, [UInt8]([0x00, 0x00, 0x00, 0x80])),  // Int32.min
        ])
        func lengthPrefixOverLimitOrNegative_ClosesOnlyThatConnection_AfterErrorMessage(_ framing: Framing, _ header: [UInt8])
            throws
        {
            let server = try E2EServer.serve("echo", ["--framing", framing.rawValue])
            defer { server.stop() }
            let bystander = try server.connect(framing: framing)
            let offender = try server.connect(framing: framing)

            try offender.sendRaw(header + E2E.bytes("some bytes of the claimed body"))
            let reply = try #require(try offender.receiveText())
            #expect(reply.hasPrefix("! "), "got \(reply)")
            #expect(offender.isClosedByServer())

            try bystander.send("fine")
            #expect(try bystander.receiveText() == "fine")
            #expect(server.isRunning)
        }

        @Test func maxConnections_ClosesTheFourthAtOnce_AndServesTheOthers() async throws {
            let server = try E2EServer.serve("echo", ["--framing", "line", "--max-connections", "3"])
            defer { server.stop() }
            var admitted: [E2EClient] = []
            for index in 0..<3 {
                let client = try server.connect()
                try client.send("admitted \(index)")
                #expect(try client.receiveText() == "admitted \(index)")
                admitted.append(client)
            }

            let fourth = try server.connect()
            try? fourth.send("refused?")
            #expect(fourth.isClosedByServer(timeout: .seconds(5)))

            for (index, client) in admitted.enumerated() {
                try client.send("still \(index)")
                #expect(try client.receiveText() == "still \(index)")
            }
            // Once one leaves, a new connection is admitted again.
            admitted.removeFirst().socket.close()
            #expect(await E2EStorm.eventuallyAdmitted(server))
        }

        @Test func idleTimeout_ClosesSilentConnection_ButNotActiveOne() throws {
            let server = try E2EServer.serve("echo", ["--framing", "line", "--idle-timeout", "1"])
            defer { server.stop() }
            let silent = try server.connect()
            let active = try server.connect()
            let start = ContinuousClock.now

            for index in 0..<10 {
                try active.send("tick \(index)")
                #expect(try active.receiveText() == "tick \(index)")
                usleep(250_000)
            }
            #expect(silent.isClosedByServer(timeout: .seconds(1)))
            let silentFor = ContinuousClock.now - start
            #expect(silentFor >= .milliseconds(900))
            try active.send("still open")
            #expect(try active.receiveText() == "still open")
            #expect(server.standardError.wait(forText: "closed (idle timeout)"))
        }

        @Test(arguments: [SIGTERM, SIGINT])
        func signal_RemovesUnixSocketFile_AndExitsZero(_ signal: Int32) throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let path = directory + "/server.sock"
            let server = try E2EServer.serve("echo", ["--framing", "line"], listen: "unix:" + path)
            defer { server.stop(SIGKILL) }
            let client = try server.connect()
            try client.send("before")
            #expect(try client.receiveText() == "before")
            #expect(FileManager.default.fileExists(atPath: path))

            #expect(server.stop(signal) == 0)
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(client.isClosedByServer(timeout: .seconds(1)))
            #expect(throws: SocketError.self) { try Socket.connect(to: "unix:" + path) }
            server.standardOutput.waitForEnd()
            #expect(server.standardOutput.text == "listening on unix:\(path)\n", "exactly one line on stdout")
        }

        @Test func unixSocket_StaleFileIsReplaced_ButLiveServerIsLeftAlone() throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let path = directory + "/shared.sock"

            // A server killed outright leaves its socket file behind; the next one starts anyway.
            let crashed = try E2EServer.serve("echo", listen: "unix:" + path)
            crashed.stop(SIGKILL)
            #expect(FileManager.default.fileExists(atPath: path))
            let server = try E2EServer.serve("echo", ["--framing", "line"], listen: "unix:" + path)
            defer { server.stop() }

            // A second server on the path of a live one fails with one line and takes nothing away.
            let second = try E2ERun.sock(["serve", "echo", "--listen", "unix:" + path])
            #expect(second.status != 0)
            #expect(second.errorLines.count == 1, "stderr: \(second.standardError)")
            #expect(second.standardError.hasPrefix("sock: "))
            #expect(second.outputText == "")
            let client = try server.connect()
            try client.send("still mine")
            #expect(try client.receiveText() == "still mine")
        }

        @Test func serve_PrintsOneErrorLine_WhenItCannotStart() throws {
            let occupied = try E2EServer.serve("echo")
            defer { occupied.stop() }

            for arguments in [
                ["serve", "echo", "--listen", occupied.address],
                ["serve", "echo", "--listen", "bad!host:0"],
                ["serve", "hello", "--udp"],
                ["serve", "echo", "--max-connections", "0"],
                ["serve", "nonsense"],
            ] {
                let result = try E2ERun.sock(arguments)
                #expect(result.status != 0, "\(arguments)")
                #expect(result.errorLines.count == 1, "\(arguments): \(result.standardError)")
                #expect(result.standardError.hasPrefix("sock: "), "\(arguments): \(result.standardError)")
                #expect(result.outputText == "", "\(arguments)")
            }
        }

        @Test func signal_LetsRequestInFlightFinish_ThenStopsAccepting() throws {
            let server = try E2EServer.serve("echo", ["--framing", "line"])
            defer { server.stop(SIGKILL) }
            let client = try server.connect()
            try client.send("warm")
            #expect(try client.receiveText() == "warm")

            try client.send("in flight")
            server.child.send(SIGTERM)
            #expect(try client.receiveText() == "in flight")
            #expect(try client.receiveText() == nil)
            #expect(server.child.waitForExit() == 0)
            #expect(throws: SocketError.self) { try Socket.connect(to: server.address) }
        }

        @Test(arguments: [("echo", Framing.raw), ("upper", Framing.line), ("echo", Framing.length)])
        func clientClosingDuringBigReply_NeverKillsServerWithSIGPIPE(_ service: String, _ framing: Framing) throws {
            let server = try E2EServer.serve(service, ["--framing", framing.rawValue])
            defer { server.stop() }

            let unit = try E2E.framed([UInt8](repeating: 0x63, count: framing == .line ? 999 : 65_536), framing)
            for _ in 0..<3 {
                // Stuff the connection until the server is stuck writing its replies,
                // take a little of them, then vanish with a reset.
                let client = try server.connect(framing: framing)
                #expect(try E2EStorm.fillUntilStalled(client.socket, unit: unit) > 0)
                _ = try client.receiveRaw(count: 1000)
                client.reset()
            }
            #expect(server.isRunning)
            let client = try server.connect(framing: framing)
            try client.send("alive")
            let expected = E2E.bytes(service == "upper" ? "ALIVE" : "alive")
            #expect(try (framing == .raw ? client.receiveRaw(count: 5) : client.receive()) == expected)
            #expect(server.stop() == 0)
        }

        @Test func serve_NeverDiesFromSIGPIPE_WhenItsLogPipeIsClosed() throws {
            // Like `sock serve echo 2>&1 | head -1`: every log line meets a closed pipe.
            let server = try E2EServer(
                executable: Products.sock, arguments: ["serve", "echo", "--listen", "127.0.0.1:0"], closingStandardError: true)
            defer { server.stop() }

            for index in 0..<3 {
                let client = try server.connect(framing: .raw)
                try client.send("log \(index)")
                #expect(try client.receiveRaw(count: 5) == E2E.bytes("log \(index)"))
                client.socket.close()
            }
            #expect(server.isRunning)
            #expect(server.stop() == 0)
        }

        /// Under `ulimit -n 64` a hundred clients exhaust the server's descriptors. It must
        /// neither exit nor spin, keep serving the connections it has, and serve new ones
        /// once the clients are gone.
        @Test func runningOutOfDescriptors_BacksOffAndRecovers() async throws {
            let baseline = try E2EOwnDescriptors.baseline()
            try await {
                // `sock serve` under a limit of 64 descriptors, exec'd in place (same pid).
                let limit = 64
                let server = try E2EServer(
                    executable: "/bin/sh",
                    arguments: [
                        "-c", "ulimit -n \(limit); exec \"$0\" serve echo --framing line --listen 127.0.0.1:0 --quiet",
                        Products.sock,
                    ])
                defer { server.stop() }

                var clients: [E2EClient] = []
                for _ in 0..<100 { clients.append(try server.connect()) }
                #expect(server.standardError.wait(forText: "too many open files"), "stderr: \(server.standardError.text)")
                // Out of descriptors, it keeps a few free while it waits: a process left at its
                // limit is killed by libdispatch's thread-pool monitor (SIGILL) once it cannot
                // open /proc/TID/stat.
                #expect(
                    await eventually { server.openDescriptorCount <= limit - 4 },
                    "the saturated server keeps descriptors to spare: \(server.openDescriptorCount) open")
                // The connections it did accept are served while it is saturated.
                for index in 0..<5 {
                    try clients[index].send("saturated \(index)")
                    #expect(try clients[index].receiveText() == "saturated \(index)")
                }
                #expect(E2EStorm.isIdle(server), "the accept loop spins while out of descriptors")
                try #require(server.isRunning, "the server exited; stderr: \(server.standardError.text)")

                for client in clients { client.reset() }
                clients.removeAll()
                #expect(await E2EStorm.eventuallyAdmitted(server))
                try #require(server.isRunning, "the server exited; stderr: \(server.standardError.text)")
                #expect(server.stop() == 0)
            }()
            #expect(
                await E2EOwnDescriptors.areBack(to: baseline),
                "the test process's descriptors are not back: \(E2EOwnDescriptors.added(since: baseline))")
        }

        @Test func maxConnectionsOne_AndFractionalIdleTimeout_ApplyTogether() throws {
            let server = try E2EServer.serve("echo", ["--max-connections", "1", "--idle-timeout", "0.3"])
            defer { server.stop() }
            let first = try server.connect(framing: .raw)
            let start = ContinuousClock.now
            try first.send("one")
            #expect(try first.receiveRaw(count: 3) == E2E.bytes("one"))
            let second = try server.connect(framing: .raw)
            #expect(second.isClosedByServer(timeout: .seconds(3)), "a second connection is over --max-connections 1")
            // The first one, now silent, is closed by the idle timeout.
            #expect(first.isClosedByServer(timeout: .seconds(5)))
            #expect(ContinuousClock.now - start >= .milliseconds(250))
            #expect(server.stop() == 0)
            #expect(
                server.standardError.wait(forText: "connection opened"),
                "without --quiet, connections are logged on stderr: \(server.standardError.text)")
        }
    }
}
