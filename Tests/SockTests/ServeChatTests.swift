import Foundation
import Framing
import Sockets
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
            let talker = try server.connect()
            let listener = try server.connect()
            #expect(try talker.receiveText() == "* guest-2 joined")
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
            #expect(result.outputText == "* guest-2 joined\n* guest-2 is now bob\n* online: guest-1, bob\n")
            #expect(try watcher.receiveText() == "* guest-2 joined")
            #expect(try watcher.receiveText() == "* guest-2 is now bob")
            #expect(try watcher.receiveText() == "bob: hello there")
            #expect(try watcher.receiveText() == "* bob left")
        }
    }
}
