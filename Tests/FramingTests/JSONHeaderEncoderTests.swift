import Testing

@testable import Framing

@Suite struct JSONHeaderEncoderTests {
    @Test func jsonHeaderEncoder_WritesHeaderLengthHeaderAndBody() throws {
        var buffer: [UInt8] = []
        let message = JSONHeaderMessage(header: [UInt8]("{\"size\":2}".utf8), body: [7, 8])
        try JSONHeaderEncoder().encode(message, into: &buffer)
        #expect(buffer == [0, 0, 0, 10] + Array("{\"size\":2}".utf8) + [7, 8])
    }

    @Test func jsonHeaderEncoder_AcceptsHeaderWithoutSize_WhenBodyIsEmpty() throws {
        var buffer: [UInt8] = []
        try JSONHeaderEncoder().encode(JSONHeaderMessage(header: [UInt8]("{\"op\":\"list\"}".utf8)), into: &buffer)
        #expect(buffer.count == 4 + 13)
    }

    @Test func jsonHeaderEncoder_ThrowsMalformedHeader_WhenSizeDoesNotMatchBody() {
        var buffer: [UInt8] = []
        #expect(throws: FramingError.malformedHeader("header has no size but the body has 1 bytes")) {
            try JSONHeaderEncoder().encode(JSONHeaderMessage(header: [UInt8]("{}".utf8), body: [1]), into: &buffer)
        }
        #expect(throws: FramingError.malformedHeader("header size 2 does not match the body's 1 bytes")) {
            try JSONHeaderEncoder().encode(JSONHeaderMessage(header: [UInt8]("{\"size\":2}".utf8), body: [1]), into: &buffer)
        }
        #expect(throws: FramingError.malformedHeader("header size 1 does not match the body's 0 bytes")) {
            try JSONHeaderEncoder().encode(JSONHeaderMessage(header: [UInt8]("{\"size\":1}".utf8)), into: &buffer)
        }
        #expect(buffer.isEmpty)
    }

    @Test func jsonHeaderEncoder_ThrowsMalformedHeader_WhenHeaderIsNotAnObject() {
        var buffer: [UInt8] = []
        #expect(throws: FramingError.malformedHeader("header is not a JSON object")) {
            try JSONHeaderEncoder().encode(JSONHeaderMessage(header: [UInt8]("[]".utf8)), into: &buffer)
        }
    }

    @Test func jsonHeaderEncoder_ThrowsHeaderTooLarge_OverItsMaximum() {
        var buffer: [UInt8] = []
        let header = Array("{\"pad\":\"\(String(repeating: "x", count: 20))\"}".utf8)
        #expect(throws: FramingError.headerTooLarge(length: header.count, limit: 16)) {
            try JSONHeaderEncoder(maximumHeaderLength: 16).encode(JSONHeaderMessage(header: header), into: &buffer)
        }
    }
}
