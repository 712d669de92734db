import Foundation
import Framing
import Sockets
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock serve hello` (seeds 000/001) and `sock serve time` (seed 002).
    @Suite struct ServeHelloTimeTests {
        @Test func hello_WelcomesThenGreetsEachMessage() throws {
            let server = try E2EServer.serve("hello")
            defer { server.stop() }
            let client = try server.connect()

            #expect(try client.receiveText() == "Welcome!")
            for name in ["mindthink", "code change the world", "世界"] {
                try client.send(name)
                #expect(try client.receiveText() == "Hello, \(name)!")
            }
        }

        @Test(arguments: Framing.allCases)
        func hello_ClosesConnection_WhenClientSendsExit(_ framing: Framing) throws {
            let server = try E2EServer.serve("hello", ["--framing", framing.rawValue])
            defer { server.stop() }
            let client = try server.connect(framing: framing)

            if framing == .raw {
                #expect(try client.receiveRaw(count: 8) == E2E.bytes("Welcome!"))
                try client.send("bob")
                #expect(try client.receiveRaw(count: 11) == E2E.bytes("Hello, bob!"))
                try client.send("exit")
                #expect(try client.receiveRawUntilClosed() == [])
            } else {
                #expect(try client.receiveText() == "Welcome!")
                try client.send("bob")
                try client.send("exit")
                #expect(try client.receiveAllText() == ["Hello, bob!"])
            }
            #expect(server.isRunning)
        }

        @Test(arguments: Framing.allCases)
        func hello_RepliesThenCloses_WhenClientHalfCloses(_ framing: Framing) throws {
            let server = try E2EServer.serve("hello", ["--framing", framing.rawValue])
            defer { server.stop() }
            let client = try server.connect(framing: framing)

            if framing == .raw {
                #expect(try client.receiveRaw(count: 8) == E2E.bytes("Welcome!"))
                try client.send("last")
                try client.finishSending()
                #expect(try client.receiveRawUntilClosed() == E2E.bytes("Hello, last!"))
            } else {
                try client.send("one")
                try client.send("two")
                try client.finishSending()
                #expect(try client.receiveAllText() == ["Welcome!", "Hello, one!", "Hello, two!"])
            }
        }

        @Test func time_PrefixesEachMessageWithCtimeTimestamp() throws {
            let server = try E2EServer.serve("time")
            defer { server.stop() }
            let client = try server.connect()

            for message in ["hi", "what time is it", ""] {
                let before = E2ETime.ctimeNow()
                try client.send(message)
                let reply = try #require(try client.receiveText())
                let after = E2ETime.ctimeNow()
                #expect(reply.wholeMatch(of: /\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] .*/) != nil, "got \(reply)")
                #expect(reply.hasSuffix("] " + message))
                #expect(
                    reply == "[\(before)] \(message)" || reply == "[\(after)] \(message)",
                    "got \(reply), expected around \(before)")
            }
        }

        @Test(arguments: Framing.allCases)
        func time_RepliesThenCloses_WhenClientHalfCloses(_ framing: Framing) throws {
            let server = try E2EServer.serve("time", ["--framing", framing.rawValue])
            defer { server.stop() }
            let client = try server.connect(framing: framing)

            try client.send("M")
            if framing != .raw { try client.send("N") }
            try client.finishSending()
            let replies: [String]
            if framing == .raw {
                replies = [String(decoding: try client.receiveRawUntilClosed(), as: UTF8.self)]
            } else {
                replies = try client.receiveAllText()
            }
            #expect(replies.count == (framing == .raw ? 1 : 2))
            for (reply, message) in zip(replies, ["M", "N"]) {
                #expect(reply.wholeMatch(of: /\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] \w/) != nil, "got \(reply)")
                #expect(reply.hasSuffix("] " + message))
            }
        }
    }
}
