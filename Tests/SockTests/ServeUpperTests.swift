import Foundation
import Framing
import Sockets
import Testing

extension E2ESuite {
    /// `sock serve upper`: Unicode-aware upper-casing over TCP in every framing and over UDP.
    @Suite struct ServeUpperTests {
        @Test func upperLine_UppercasesUnicode() throws {
            let server = try E2EServer.serve("upper")
            defer { server.stop() }
            let client = try server.connect()

            for (input, expected) in [
                ("straße", "STRASSE"), ("hello world", "HELLO WORLD"), ("ǆemal éclair", "ǄEMAL ÉCLAIR"),
                ("Δ δ ω", "Δ Δ Ω"), ("123 !?", "123 !?"), ("", ""),
            ] {
                try client.send(input)
                #expect(try client.receiveText() == expected, "\(input)")
            }
        }

        @Test func upperRaw_NeverCorruptsCharacterSplitAcrossSegments() throws {
            let server = try E2EServer.serve("upper", ["--framing", "raw"])
            defer { server.stop() }
            let client = try server.connect(framing: .raw)
            try client.socket.setOption(.noDelay, true)

            // Each step ends inside a multi-byte character; the reply to the complete part
            // proves the server has read that segment before the rest is sent.
            let steps: [(send: [UInt8], reply: String)] = [
                (E2E.bytes("ab") + [0xC3], "AB"),  // ß = C3 9F, split after 1 of 2
                ([0x9F] + E2E.bytes("x") + [0xE2, 0x82], "SSX"),  // € = E2 82 AC, split after 2 of 3
                ([0xAC] + E2E.bytes("q") + [0xF0], "€Q"),  // 😀 = F0 9F 98 80, split after 1 of 4
                ([0x9F, 0x98, 0x80] + E2E.bytes("é") + [0xC7], "😀É"),  // ǆ = C7 86, split after 1 of 2
                ([0x86] + E2E.bytes("z"), "ǄZ"),
            ]
            var all: [UInt8] = []
            for step in steps {
                try client.sendRaw(step.send)
                let expected = E2E.bytes(step.reply)
                let reply = try client.receiveRaw(count: expected.count)
                #expect(reply == expected, "after sending \(step.send)")
                all += reply
            }
            #expect(String(validating: all, as: UTF8.self) == "ABSSX€Q😀ÉǄZ")
        }

        @Test func upperRaw_PassesNonUTF8BytesUnchanged() throws {
            let server = try E2EServer.serve("upper", ["--framing", "raw"])
            defer { server.stop() }
            let client = try server.connect(framing: .raw)

            let input: [UInt8] = [0xFF, 0x61, 0xFE, 0x80, 0x62, 0xC0, 0xAF, 0x63, 0xED, 0xA0, 0x80, 0x64]
            try client.sendRaw(input)
            #expect(
                try client.receiveRaw(count: input.count) == [
                    0xFF, 0x41, 0xFE, 0x80, 0x42, 0xC0, 0xAF, 0x43, 0xED, 0xA0, 0x80, 0x44,
                ])
        }

        @Test func upperLine_PassesNonUTF8BytesUnchanged_NextToValidText() throws {
            let server = try E2EServer.serve("upper")
            defer { server.stop() }
            let client = try server.connect()

            try client.send([0xFF] + E2E.bytes("straße") + [0xC3])
            #expect(try client.receive() == [0xFF] + E2E.bytes("STRASSE") + [0xC3])
        }

        @Test func upperRaw_EmitsIncompleteTrailingBytes_WhenClientHalfCloses() throws {
            let server = try E2EServer.serve("upper", ["--framing", "raw"])
            defer { server.stop() }
            let client = try server.connect(framing: .raw)

            try client.sendRaw(E2E.bytes("end") + [0xE2, 0x82])
            try client.finishSending()
            #expect(try client.receiveRawUntilClosed() == E2E.bytes("END") + [0xE2, 0x82])
        }

        @Test(arguments: Framing.allCases)
        func upper_RepliesThenCloses_WhenClientHalfCloses(_ framing: Framing) throws {
            let server = try E2EServer.serve("upper", ["--framing", framing.rawValue])
            defer { server.stop() }
            let client = try server.connect(framing: framing)

            try client.send("straße")
            if framing != .raw { try client.send("zwei") }
            try client.finishSending()
            if framing == .raw {
                #expect(try client.receiveRawUntilClosed() == E2E.bytes("STRASSE"))
            } else {
                #expect(try client.receiveAllText() == ["STRASSE", "ZWEI"])
            }
        }

        @Test(arguments: [Framing.length, .seed])
        func upperLengthPrefixed_UppercasesEachMessage(_ framing: Framing) throws {
            let server = try E2EServer.serve("upper", ["--framing", framing.rawValue])
            defer { server.stop() }
            let client = try server.connect(framing: framing)

            // Two messages in one segment, the second with a newline inside it.
            try client.sendRaw(try E2E.framed(E2E.bytes("größe"), framing) + E2E.framed(E2E.bytes("a\nb"), framing))
            #expect(try client.receiveText() == "GRÖSSE")
            #expect(try client.receiveText() == "A\nB")
        }

        @Test func upperUDP_UppercasesEachDatagram() throws {
            let server = try E2EServer.serve("upper", ["--udp"])
            defer { server.stop() }
            let client = try E2EDatagramClient(server.address)

            for (input, expected) in [("straße", "STRASSE"), ("hello", "HELLO"), ("", "")] {
                try client.send(input)
                #expect(try client.receiveText() == expected)
            }
            try client.send([0xFF, 0x61])
            #expect(try client.receive() == [0xFF, 0x41])
        }
    }
}
