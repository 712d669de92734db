import Framing
import Sockets
import TestSupport
import Testing

/// Messages under a framing on blocking and async sockets (the sticky-packet fix).
@Suite struct FramedSocketTests {
    @Test func receiveMessage_SeparatesMessages_WhenTheyArriveInOneChunk() throws {
        let (left, right) = try Socket.pair()
        defer {
            left.close()
            right.close()
        }
        right.timeout = .seconds(5)
        var wire: [UInt8] = []
        for text in ["first", "", "third"] { try Framing.seed.encode(Array(text.utf8), into: &wire) }
        try left.sendAll(wire)
        try left.shutdown(.write)
        var decoder = LengthPrefixedDecoder(.seed)
        var received: [String] = []
        while let message = try right.recvMessage(&decoder, chunkSize: 3) {
            received.append(String(decoding: message, as: UTF8.self))
        }
        #expect(received == ["first", "", "third"])
    }

    @Test func sendMessage_WritesWhatPythonStructUnpacks() throws {
        let listener = try Socket.listen(on: "127.0.0.1:0")
        defer { listener.close() }
        let port = try #require(try listener.localAddress().port)
        let python = try ChildProcess(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import socket, struct, sys
                s = socket.create_connection(('127.0.0.1', \(port)))
                s.settimeout(5)
                data = b''
                while len(data) < 4 or len(data) < 4 + struct.unpack('i', data[:4])[0]:
                    chunk = s.recv(1024)
                    if not chunk: break
                    data += chunk
                n = struct.unpack('i', data[:4])[0]
                reply = data[4:4 + n].upper()
                s.sendall(struct.pack('i', len(reply)) + reply)
                """,
            ])
        defer { python.waitForExit() }
        listener.timeout = .seconds(10)
        let (connection, _) = try listener.accept()
        defer { connection.close() }
        connection.timeout = .seconds(10)
        try connection.sendMessage(Array("hello seed".utf8), encoder: LengthPrefixedEncoder(.seed))
        var decoder = LengthPrefixedDecoder(.seed)
        let reply = try #require(try connection.recvMessage(&decoder))
        #expect(String(decoding: reply, as: UTF8.self) == "HELLO SEED")
    }

    @Test func receiveMessage_ThrowsFramingError_WhenTheStreamEndsInsideAMessage() throws {
        let (left, right) = try Socket.pair()
        defer {
            left.close()
            right.close()
        }
        right.timeout = .seconds(5)
        try left.sendAll([0, 0, 0, 10, 1, 2])
        try left.shutdown(.write)
        var decoder = LengthPrefixedDecoder(.length)
        #expect(throws: FramingError.truncated(buffered: 6)) { try right.recvMessage(&decoder) }
    }

    @Test func messages_YieldsLinesAsync_AndEndsAtEndOfStream() async throws {
        let (left, right) = try Socket.pair()
        defer {
            left.close()
            right.close()
        }
        try left.sendAll(Array("one\r\ntwo\nthree".utf8))
        try left.shutdown(.write)
        var lines: [String] = []
        for try await line in right.messages(LineDecoder(), chunkSize: 2) {
            lines.append(String(decoding: line, as: UTF8.self))
        }
        #expect(lines == ["one", "two", "three"])
    }

    @Test func writeMessage_RoundTripsJSONHeaderMessages() async throws {
        let (left, right) = try Socket.pair()
        defer {
            left.close()
            right.close()
        }
        let sent = JSONHeaderMessage(header: [UInt8](#"{"op":"put","size":3}"#.utf8), body: [1, 2, 3])
        try await left.write(message: sent, encoder: JSONHeaderEncoder())
        try left.shutdown(.write)
        var iterator = right.messages(JSONHeaderDecoder()).makeAsyncIterator()
        #expect(try await iterator.next() == sent)
        #expect(try await iterator.next() == nil)
    }
}
