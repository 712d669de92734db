import Foundation
import Framing
import Sockets
import TestSupport
import Testing

extension E2ESuite {
    /// `sock serve chat` over TCP and UDP, and the `sock chat` client.
    @Suite struct ServeChatTests {
        @Test func chat_NamesEachClientGuestN_AndAnnouncesJoinsToEveryone() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }

            let first = try server.connect()
            #expect(try first.receiveText() == "* guest-1 joined")
            let second = try server.connect()
            #expect(try second.receiveText() == "* guest-2 joined")
            #expect(try first.receiveText() == "* guest-2 joined")
        }

        @Test func chat_AnnouncesAnArrivalOnce_WithTheNameOfAFirstLineNick() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            let watcher = try server.connect()
            #expect(try watcher.receiveText() == "* guest-1 joined")

            let bob = try server.connect()
            try bob.send("/nick bob")
            #expect(try bob.receiveText() == "* bob joined")
            #expect(try watcher.receiveText() == "* bob joined")
            try bob.send("hi")
            #expect(try watcher.receiveText() == "bob: hi")
            try watcher.send("/who")
            #expect(try watcher.receiveText() == "* online: guest-1, bob")
        }

        @Test func chat_ArrivesAsGuestThenAnswersNameTaken_WhenAFirstLineNickIsTaken() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            let bob = try server.connect()
            try bob.send("/nick bob")
            #expect(try bob.receiveText() == "* bob joined")

            let second = try server.connect()
            try second.send("/nick bob")
            #expect(try second.receiveText() == "* guest-1 joined")
            #expect(try second.receiveText() == "! name taken")
            #expect(try bob.receiveText() == "* guest-1 joined")
        }

        @Test func chat_AnnouncesNothing_WhenANewcomerLeavesBeforeArriving() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            let watcher = try server.connect()
            #expect(try watcher.receiveText() == "* guest-1 joined")

            let passer = try server.connect()
            try passer.finishSending()
            #expect(try passer.receiveAllText() == [])
            let talker = try server.connect()
            try talker.send("sentinel")
            #expect(try watcher.receiveText() == "* guest-2 joined")
            #expect(try watcher.receiveText() == "guest-2: sentinel")
        }

        @Test func chat_SendsTextToOthers_ButNotToSender() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            let (a, b, c) = try E2EChat.room(server)

            try a.send("hello all")
            #expect(try b.receiveText() == "guest-1: hello all")
            #expect(try c.receiveText() == "guest-1: hello all")
            // The sender's next line is the answer to /who, not its own message.
            try a.send("/who")
            #expect(try a.receiveText() == "* online: guest-1, guest-2, guest-3")
        }

        @Test func chatNick_RenamesAndAnnounces_WhenNameIsValid() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            let (a, b, c) = try E2EChat.room(server)

            try a.send("/nick alice")
            for member in [a, b, c] {
                #expect(try member.receiveText() == "* guest-1 is now alice")
            }
            try a.send("hi")
            #expect(try b.receiveText() == "alice: hi")
            #expect(try c.receiveText() == "alice: hi")
            let longest = String(repeating: "x", count: 32)
            try b.send("/nick Bob_2-\(longest.prefix(26))")
            #expect(try c.receiveText() == "* guest-2 is now Bob_2-\(longest.prefix(26))")
            try c.send("/who")
            #expect(try c.receiveText() == "* online: alice, Bob_2-\(longest.prefix(26)), guest-3")
        }

        @Test func chatNick_RefusesInvalidNames_AndTellsOnlyTheSender() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            let (a, b, c) = try E2EChat.room(server)

            for invalid in ["/nick", "/nick bad!", "/nick two words", "/nick " + String(repeating: "y", count: 33), "/nick a.b"] {
                try a.send(invalid)
                let reply = try #require(try a.receiveText())
                #expect(reply.hasPrefix("! "), "\(invalid) got \(reply)")
            }
            try a.send("/who")
            #expect(try a.receiveText() == "* online: guest-1, guest-2, guest-3")
            // Nothing reached the others: their next line is the sentinel.
            try a.send("sentinel")
            #expect(try b.receiveText() == "guest-1: sentinel")
            #expect(try c.receiveText() == "guest-1: sentinel")
        }

        @Test func chatNick_AnswersNameTaken_WhenAnotherMemberHasIt() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            let (a, b, c) = try E2EChat.room(server)

            try a.send("/nick alice")
            for member in [a, b, c] { _ = try member.receiveText() }
            try b.send("/nick alice")
            #expect(try b.receiveText() == "! name taken")
            try b.send("/who")
            #expect(try b.receiveText() == "* online: alice, guest-2, guest-3")
            try b.send("sentinel")
            #expect(try a.receiveText() == "guest-2: sentinel")
        }

        @Test func chatMsg_DeliversPrivately_ToThatMemberOnly() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            let (a, b, c) = try E2EChat.room(server)

            try a.send("/nick alice")
            for member in [a, b, c] { _ = try member.receiveText() }
            try b.send("/msg alice meet at noon")
            #expect(try a.receiveText() == "guest-2 (private): meet at noon")
            try b.send("/msg nobody hello")
            let reply = try #require(try b.receiveText())
            #expect(reply.hasPrefix("! "), "got \(reply)")
            try b.send("public")
            #expect(try c.receiveText() == "guest-2: public")
            #expect(try a.receiveText() == "guest-2: public")
        }

        @Test func chatQuit_ClosesConnection_AndOthersSeeLeft() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            let (a, b, c) = try E2EChat.room(server)

            try a.send("/nick alice")
            for member in [a, b, c] { _ = try member.receiveText() }
            try a.send("/quit")
            #expect(try a.receiveAllText() == [])
            #expect(try b.receiveText() == "* alice left")
            #expect(try c.receiveText() == "* alice left")
            c.reset()
            #expect(try b.receiveText() == "* guest-3 left")
            try b.send("/who")
            #expect(try b.receiveText() == "* online: guest-2")
        }

        @Test(arguments: [Framing.line, .length, .seed])
        func chat_AnswersThenCloses_WhenClientHalfCloses(_ framing: Framing) throws {
            let server = try E2EServer.serve("chat", ["--framing", framing.rawValue])
            defer { server.stop() }
            let watcher = try server.connect(framing: framing)
            #expect(try watcher.receiveText() == "* guest-1 joined")
            let client = try server.connect(framing: framing)

            try client.send("/who")
            try client.send("bye")
            try client.finishSending()
            #expect(try client.receiveAllText() == ["* guest-2 joined", "* online: guest-1, guest-2"])
            #expect(try watcher.receiveText() == "* guest-2 joined")
            #expect(try watcher.receiveText() == "guest-2: bye")
            #expect(try watcher.receiveText() == "* guest-2 left")
        }

        @Test func chatRaw_AnswersThenCloses_WhenClientHalfCloses() throws {
            let server = try E2EServer.serve("chat", ["--framing", "raw"])
            defer { server.stop() }
            let client = try server.connect(framing: .raw)

            try client.send("/who")
            try client.finishSending()
            let text = String(decoding: try client.receiveRawUntilClosed(), as: UTF8.self)
            let joined = try #require(text.range(of: "* guest-1 joined"))
            let online = try #require(text.range(of: "* online: guest-1"))
            #expect(joined.upperBound <= online.lowerBound)
        }

        @Test func chat_DisconnectsMemberThatNeverReads_WhileTheRoomGoesOn() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            // A member with a tiny receive window that never reads.
            let silentSocket = try Socket(.inet, .stream)
            try silentSocket.setOption(.receiveBufferSize, 4096)
            try silentSocket.connect(to: SocketAddress(server.address)!)
            let silent = E2EClient(socket: silentSocket)
            // Each joins before the next connects: members on different reactors join in
            // the order their tasks run, not the order they connected in.
            #expect(try silent.receiveText() == "* guest-1 joined")
            let talker = try server.connect()
            #expect(try talker.receiveText() == "* guest-2 joined")
            let listener = try server.connect()
            #expect(try listener.receiveText() == "* guest-3 joined")

            let line = String(repeating: "z", count: 1000)
            // The server's kernel send buffer to the silent member grows to a few MiB
            // before the member's own queue (256 KiB) overflows: send well past both.
            let count = 6000
            var burst: [UInt8] = []
            for index in 0..<count { burst += E2E.bytes("\(index) \(line)\n") }
            let start = ContinuousClock.now
            let sender = E2ESender(talker.socket, burst)
            var received = 0
            var sawLeft = false
            while received < count {
                let text = try #require(try listener.receiveText())
                if text == "* guest-1 left" {
                    sawLeft = true
                    continue
                }
                #expect(text == "guest-2: \(received) \(line)")
                received += 1
            }
            #expect(sender.wait())
            #expect(received == count)
            #expect(ContinuousClock.now - start < .seconds(10))
            if !sawLeft { #expect(try listener.receiveText() == "* guest-1 left") }
            #expect(silent.isClosedByServer())

            // The room still works both ways.
            try listener.send("still here")
            #expect(try talker.receiveText() == "* guest-3 joined")
            #expect(try talker.receiveText() == "* guest-1 left")
            #expect(try talker.receiveText() == "guest-3: still here")
        }

        @Test func chat_KeepsMembersWhoRead_WhenAnotherSendsABurst() throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let server = try E2EServer.serve("chat", listen: "unix:\(directory)/chat.sock")
            defer { server.stop() }
            let (a, b, c) = try E2EChat.room(server)
            let readers = [b, c].map { E2EChatFloodReader($0.socket, sender: "guest-1") }

            // 1 MiB (256 lines of 4 KiB) arrives at once: queued while the server is
            // stopped (a Unix stream takes it all with a big enough send buffer), so the
            // server finds all of it to read when it runs again.
            try a.socket.setOption(.sendBufferSize, 4 * 1024 * 1024)
            server.child.send(SIGSTOP)
            defer { server.child.send(SIGCONT) }
            try a.sendRaw(E2EChatFlood.burst(0))
            try a.send("done")
            server.child.send(SIGCONT)

            for reader in readers {
                let report = try #require(reader.wait(timeout: E2E.timeout))
                #expect(report.floodLines == E2EChatFlood.linesPerBurst)
                #expect(report.mismatch == nil)
                #expect(report.sawDone, "reading ended: \(report.error ?? "end of stream")")
                #expect(report.others.map(\.line) == [])
            }
            try b.send("/who")
            #expect(try b.receiveText() == "* online: guest-1, guest-2, guest-3")
        }

        /// SPEC §4 chat, with the defaults of `sock serve chat` (256 KiB per member, 5 s):
        /// one member floods 64 MiB in 1 MiB bursts, two read everything, one never reads.
        @Test func chat_PacesTheSender_AndDisconnectsOnlyTheMemberThatNeverReads_WhenOneFloods() throws {
            let testStart = ContinuousClock.now
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            let flooder = try server.connect()
            #expect(try flooder.receiveText() == "* guest-1 joined")
            let first = try server.connect()
            #expect(try first.receiveText() == "* guest-2 joined")
            let second = try server.connect()
            #expect(try second.receiveText() == "* guest-3 joined")
            let silentSocket = try Socket(.inet, .stream)
            try silentSocket.setOption(.receiveBufferSize, 4096)
            try silentSocket.connect(to: SocketAddress(server.address)!)
            let silent = E2EClient(socket: silentSocket)
            #expect(try flooder.receiveText() == "* guest-2 joined")
            #expect(try flooder.receiveText() == "* guest-3 joined")
            #expect(try first.receiveText() == "* guest-3 joined")
            for member in [flooder, first, second] { #expect(try member.receiveText() == "* guest-4 joined") }
            let memoryBefore = ProcessStatistics.memory(of: server.pid)

            let bursts = 64
            let lines = bursts * E2EChatFlood.linesPerBurst
            let readers = [first, second].map { E2EChatFloodReader($0.socket, sender: "guest-1") }
            let cpu = E2ECPUSampler(server)
            defer { cpu.stop() }
            let flood = E2EChatFloodSender(flooder.socket, bursts: bursts)
            try flood.wait(timeout: .seconds(40))
            let reports = try readers.map { try #require($0.wait(timeout: .seconds(40))) }
            cpu.stop()
            let memoryAfter = ProcessStatistics.memory(of: server.pid)

            // The readers got every line, in order, and only the silent member left.
            for report in reports {
                #expect(report.floodLines == lines)
                #expect(report.mismatch == nil)
                #expect(report.sawDone, "reading ended: \(report.error ?? "end of stream")")
                #expect(report.others.map(\.line) == ["* guest-4 left"])
            }
            #expect(silent.isClosedByServer())

            // The flood stalled once — when the silent member's queue filled, the server
            // stopped reading the flooder — and the member was dropped about 5 s later.
            let report = reports[0]
            let left = try #require(report.arrival(of: "* guest-4 left"))
            let events = (report.arrivals + [left]).sorted()
            let gaps = zip(events, events.dropFirst()).map { (start: $0, length: $1 - $0) }
            let stall = try #require(gaps.max { $0.length < $1.length })
            let disconnectedAfter = left - stall.start
            #expect(stall.length >= .milliseconds(4500), "the longest stall was \(stall.length)")
            #expect(disconnectedAfter <= .milliseconds(6000), "disconnected \(disconnectedAfter) after the stall began")

            // While the flooder waited, the server did not spin.
            let waiting = try #require(
                cpu.ticks(from: stall.start + .milliseconds(250), to: stall.start + stall.length - .milliseconds(250)))
            #expect(waiting.ticks <= 10, "\(waiting.ticks) ticks over \(waiting.over)")

            // Memory stayed bounded: far below the 64 MiB that went through.
            let growth = memoryAfter.peak - memoryBefore.resident
            #expect(growth < 32 * 1024, "peak \(memoryAfter.peak) KiB, \(memoryBefore.resident) KiB before")

            // The room goes on.
            #expect(try flooder.receiveText() == "* guest-4 left")
            try first.send("still here")
            #expect(try flooder.receiveText() == "guest-2: still here")
            #expect(try second.receiveText() == "guest-2: still here")
            try second.send("/who")
            #expect(try second.receiveText() == "* online: guest-1, guest-2, guest-3")

            let elapsed = ContinuousClock.now - testStart
            print(
                "chat flood: \(lines) lines of \(E2EChatFlood.lineLength) B; member dropped \(disconnectedAfter) after the stall; "
                    + "server CPU \(waiting.ticks) ticks over \(waiting.over) of waiting; RSS \(memoryBefore.resident) KiB before, "
                    + "\(memoryAfter.resident) KiB after, peak \(memoryAfter.peak) KiB; test \(elapsed)")
            #expect(elapsed < .seconds(30))
        }

        @Test func chatUDP_TreatsEachSenderAddressAsMember_WithTheSameFormats() throws {
            let server = try E2EServer.serve("chat", ["--udp"])
            defer { server.stop() }
            let a = try E2EDatagramClient(server.address)
            let b = try E2EDatagramClient(server.address)

            try a.send("anyone?")
            #expect(try a.receiveText() == "* guest-1 joined")
            try b.send("/who\n")
            #expect(try b.receiveText() == "* guest-2 joined")
            #expect(try b.receiveText() == "* online: guest-1, guest-2")
            #expect(try a.receiveText() == "* guest-2 joined")

            try a.send("/nick alice")
            #expect(try a.receiveText() == "* guest-1 is now alice")
            #expect(try b.receiveText() == "* guest-1 is now alice")
            try b.send("/nick alice")
            #expect(try b.receiveText() == "! name taken")
            try b.send("hello alice")
            #expect(try a.receiveText() == "guest-2: hello alice")
            try a.send("/msg guest-2 psst")
            #expect(try b.receiveText() == "alice (private): psst")
            try a.send("/quit")
            #expect(try b.receiveText() == "* alice left")
            #expect(a.receivesNothing(within: .milliseconds(200)))
        }

        @Test func chatClient_SendsNickAndLines_AndPrintsWhatArrives() throws {
            let server = try E2EServer.serve("chat")
            defer { server.stop() }
            let watcher = try server.connect()
            #expect(try watcher.receiveText() == "* guest-1 joined")

            let result = try E2ERun.sock(["chat", server.address, "--name", "bob"], input: "hello there\n/who\n/quit\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            // The room announces bob once, by the name its first line asked for.
            #expect(result.outputText == "* bob joined\n* online: guest-1, bob\n")
            #expect(try watcher.receiveText() == "* bob joined")
            #expect(try watcher.receiveText() == "bob: hello there")
            #expect(try watcher.receiveText() == "* bob left")
        }
    }
}
