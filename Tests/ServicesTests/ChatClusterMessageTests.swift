import Testing

@testable import Services

@Suite struct ChatClusterMessageTests {
    @Test func chatClusterMessage_DecodesWhatItEncodes_ForEveryEvent() {
        let events: [ChatClusterEvent] = [
            .joined(name: "guest-1"), .left(name: "ada"), .renamed(from: "guest-2", to: "bob"),
            .line(name: "ada", text: "héllo\r\n *, $3 \u{0}"), .line(name: "ada", text: ""),
            .privateLine(from: "ada", to: "bob", text: "psst"),
        ]
        for (sequence, event) in events.enumerated() {
            let message = ChatClusterMessage(node: "node-1", sequence: UInt64(sequence), event: event)
            #expect(ChatClusterMessage(payload: message.payload) == message)
        }
    }

    @Test func chatClusterMessage_IsNil_ForPayloadsOfAnotherFormat() {
        let foreign: [String] = [
            "hello", "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "*4\r\n$1\r\na\r\n$1\r\nx\r\n$6\r\njoined\r\n$1\r\nn\r\n",
            "*4\r\n$1\r\na\r\n$1\r\n1\r\n$5\r\nwaved\r\n$1\r\nn\r\n", "*4\r\n$1\r\na\r\n$1\r\n1\r\n$4\r\nline\r\n$1\r\nn\r\n",
        ]
        for payload in foreign {
            #expect(ChatClusterMessage(payload: Array(payload.utf8)) == nil, "\(payload)")
        }
    }
}
