import Testing

@testable import Framing

@Suite struct JSONHeaderMessageTests {
    struct Put: Codable, Equatable {
        var op = "put"
        var name: String
        var size: Int?
    }

    struct Listing: Codable, Equatable {
        var op = "list"
    }

    @Test func jsonHeaderMessage_AddsSize_WhenEncodableHeaderHasNoneAndBodyIsNotEmpty() throws {
        let message = try JSONHeaderMessage(header: Put(name: "a.txt"), body: [1, 2, 3])
        #expect(message.header == Array("{\"size\":3,\"name\":\"a.txt\",\"op\":\"put\"}".utf8))
        #expect(try message.decodeHeader(Put.self) == Put(name: "a.txt", size: 3))
        var buffer: [UInt8] = []
        try JSONHeaderEncoder().encode(message, into: &buffer)
    }

    @Test func jsonHeaderMessage_AddsSizeToEmptyObject() throws {
        struct Empty: Encodable {}
        let message = try JSONHeaderMessage(header: Empty(), body: [1])
        #expect(message.header == Array("{\"size\":1}".utf8))
    }

    @Test func jsonHeaderMessage_KeepsHeaderAsEncoded_WhenBodyIsEmptyOrSizeIsSet() throws {
        #expect(try JSONHeaderMessage(header: Listing()).header == Array("{\"op\":\"list\"}".utf8))
        let put = try JSONHeaderMessage(header: Put(name: "b", size: 1), body: [9])
        #expect(put.header == Array("{\"name\":\"b\",\"op\":\"put\",\"size\":1}".utf8))
    }

    @Test func jsonHeaderMessage_ThrowsMalformedHeader_WhenHeaderIsNotAnObject() {
        #expect(throws: FramingError.malformedHeader("header is not a JSON object")) {
            try JSONHeaderMessage(header: [1, 2] as [Int], body: [1])
        }
    }

    @Test func jsonHeaderMessage_DecodeHeaderThrows_WhenFieldsAreMissing() {
        #expect(throws: DecodingError.self) {
            try JSONHeaderMessage(header: [UInt8]("{\"op\":\"get\"}".utf8)).decodeHeader(Put.self)
        }
    }

    @Test func jsonHeaderMessage_BodyLength_ReadsSizeOrZero() throws {
        #expect(try JSONHeaderMessage.bodyLength(ofHeader: Array("{\"size\": 12}".utf8)) == 12)
        #expect(try JSONHeaderMessage.bodyLength(ofHeader: Array("{}".utf8)) == 0)
        #expect(throws: FramingError.messageTooLarge(length: 12, limit: 10)) {
            try JSONHeaderMessage.bodyLength(ofHeader: Array("{\"size\":12}".utf8), maximumBodyLength: 10)
        }
        #expect(throws: FramingError.malformedHeader("size is not a non-negative integer")) {
            try JSONHeaderMessage.bodyLength(ofHeader: Array("{\"size\":-3}".utf8))
        }
    }

    @Test func jsonHeaderMessage_BodyLength_LetsAServiceStreamTheBody() throws {
        // What a files service does for a large upload: header as a length-prefixed
        // message, then the body raw.
        var stream = try JSONHeaderMessage(header: Put(name: "big"), body: [UInt8](repeating: 7, count: 1000)).encoded()
        stream += [0xEE]
        var decoder = LengthPrefixedDecoder(.length, maximumLength: 64 * 1024)
        decoder.feed(stream[..<100])
        let header = try #require(try decoder.next())
        let bodyLength = try JSONHeaderMessage.bodyLength(ofHeader: header)
        let body = decoder.takeBuffered() + stream[100...]
        #expect(bodyLength == 1000)
        #expect(Array(body.prefix(bodyLength)) == [UInt8](repeating: 7, count: 1000))
        #expect(body.last == 0xEE)
    }
}

extension JSONHeaderMessage {
    func encoded() throws(FramingError) -> [UInt8] {
        var buffer: [UInt8] = []
        try JSONHeaderEncoder().encode(self, into: &buffer)
        return buffer
    }
}
