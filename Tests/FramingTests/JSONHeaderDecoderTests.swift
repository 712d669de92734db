import PropertyBased
import Testing

@testable import Framing

@Suite struct JSONHeaderDecoderTests {
    static func verifier(maximumBodyLength: Int = 16 * 1024 * 1024) -> DecoderVerifier<JSONHeaderDecoder> {
        DecoderVerifier(makeDecoder: { JSONHeaderDecoder(maximumBodyLength: maximumBodyLength) }) {
            message, stream throws(FramingError) in
            try JSONHeaderEncoder().encode(message, into: &stream)
        }
    }

    /// A message whose header is `{"size":N}` plus `extra` members.
    static func message(body: [UInt8], extra: String = "") -> JSONHeaderMessage {
        let size = body.isEmpty && extra.isEmpty ? "" : "\"size\":\(body.count)"
        let members = [size, extra].filter { !$0.isEmpty }.joined(separator: ",")
        return JSONHeaderMessage(header: [UInt8]("{\(members)}".utf8), body: body)
    }

    /// The wire bytes of a message: `struct.pack('>I', len(h)) + h + body`.
    static func wire(_ header: String, _ body: [UInt8] = []) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        var bytes: [UInt8] = []
        LengthField.length.write(headerBytes.count, into: &bytes)
        return bytes + headerBytes + body
    }

    static func decodeError(_ header: String, decoder: JSONHeaderDecoder = JSONHeaderDecoder()) -> FramingError? {
        var decoder = decoder
        guard case .failure(let error) = firstMessage(&decoder, after: wire(header)) else { return nil }
        return error
    }

    @Test func jsonHeaderDecoder_DecodesEveryChunking_WhenBodiesAreEmptyOrNearTheLimit() throws {
        let messages = [
            Self.message(body: []),
            Self.message(body: Array("hello".utf8), extra: "\"op\":\"put\",\"name\":\"a b\"\n"),
            JSONHeaderMessage(header: [UInt8](" {\"size\" : 0 , \"x\":[1,{\"size\":5}]} ".utf8)),
            Self.message(body: [UInt8](repeating: 0x41, count: 99)),
            Self.message(body: [UInt8](repeating: 0x42, count: 100), extra: "\"ok\":true"),
        ]
        try Self.verifier(maximumBodyLength: 100).verify(messages)
    }

    @Test func jsonHeaderDecoder_DecodesEveryChunking_ForRandomBodiesAndSplits() async {
        await propertyCheck(input: Generators.messages(upTo: 200), Generators.chunkSizes) { bodies, chunkSizes in
            let messages = bodies.map { Self.message(body: $0, extra: "\"name\":\"f\\u00e9\"") }
            try Self.verifier().verify(messages, chunkSizes: chunkSizes)
        }
    }

    @Test func jsonHeaderDecoder_ThrowsHeaderTooLarge_RightAfterTheHeaderLength() {
        var decoder = JSONHeaderDecoder(maximumHeaderLength: 10)
        #expect(firstMessage(&decoder, after: [0, 0, 0, 11]) == .failure(.headerTooLarge(length: 11, limit: 10)))
        var byDefault = JSONHeaderDecoder()
        #expect(firstMessage(&byDefault, after: [0, 1, 0, 1]) == .failure(.headerTooLarge(length: 65537, limit: 65536)))
    }

    @Test(arguments: [
        "", "not json", "{\"a\":}", "{\"a\":1,}", "{\"a\":1} {}", "{'a':1}", "{\"a\":NaN}", "{\"a\":01}",
        "{\"a\":\"\u{1}\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":1.}", "{\"a\":[1,]}", "{\"a\" 1}",
        "{\"a\":tru}", "{\"a\":1", "{\"a\":[}", "{1:2}",
    ])
    func jsonHeaderDecoder_ThrowsMalformedHeader_WhenHeaderIsNotJSON(header: String) {
        guard case .malformedHeader = Self.decodeError(header) else {
            Issue.record("\(header) was accepted")
            return
        }
    }

    @Test(arguments: ["[1,2]", "\"size\"", "42", "null", "true"])
    func jsonHeaderDecoder_ThrowsMalformedHeader_WhenJSONIsNotAnObject(header: String) {
        #expect(Self.decodeError(header) == .malformedHeader("header is not a JSON object"))
    }

    @Test func jsonHeaderDecoder_ThrowsMalformedHeader_WhenHeaderIsNotUTF8() {
        for invalid: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            let header = Array("{\"a\":\"".utf8) + invalid + Array("\"}".utf8)
            var bytes: [UInt8] = []
            LengthField.length.write(header.count, into: &bytes)
            var decoder = JSONHeaderDecoder()
            #expect(firstMessage(&decoder, after: bytes + header) == .failure(.malformedHeader("header is not UTF-8 at byte 6")))
        }
    }

    @Test(arguments: [
        "{\"size\":-1}", "{\"size\":1.5}", "{\"size\":1.0}", "{\"size\":1e2}", "{\"size\":\"5\"}",
        "{\"size\":null}", "{\"size\":[5]}", "{\"size\":{}}", "{\"size\":true}",
    ])
    func jsonHeaderDecoder_ThrowsMalformedHeader_WhenSizeIsNotANonNegativeInteger(header: String) {
        #expect(Self.decodeError(header) == .malformedHeader("size is not a non-negative integer"))
    }

    @Test func jsonHeaderDecoder_ThrowsMalformedHeader_WhenSizeAppearsTwice() {
        #expect(Self.decodeError("{\"size\":1,\"s\\u0069ze\":2}") == .malformedHeader("size appears twice"))
    }

    @Test func jsonHeaderDecoder_ReadsOnlyTopLevelSize_WithEscapedKeys() throws {
        var decoder = JSONHeaderDecoder()
        decoder.feed(Self.wire("{\"inner\":{\"size\":9},\"\\u0073ize\":2,\"sizes\":7}", [1, 2]))
        #expect(try decoder.next()?.body == [1, 2])
    }

    @Test func jsonHeaderDecoder_ThrowsMessageTooLarge_WhenSizeIsOverTheMaximum_BeforeTheBody() {
        let decoder = JSONHeaderDecoder(maximumBodyLength: 100)
        #expect(Self.decodeError("{\"size\":101}", decoder: decoder) == .messageTooLarge(length: 101, limit: 100))
        #expect(Self.decodeError("{\"size\":99999999999999999999999}") == .messageTooLarge(length: .max, limit: 16 * 1024 * 1024))
    }

    @Test func jsonHeaderDecoder_ThrowsTruncated_WhenStreamEndsInsideMessage() throws {
        let whole = Self.wire("{\"size\":3}", [1, 2, 3])
        for cut in [1, 4, 8, 14, 15] {
            var decoder = JSONHeaderDecoder()
            #expect(firstMessage(&decoder, after: Array(whole[..<cut])) == .success(nil))
            #expect(throws: FramingError.truncated(buffered: cut)) { try decoder.finish() }
        }
        var decoder = JSONHeaderDecoder()
        #expect(firstMessage(&decoder, after: whole).map { $0?.body } == .success([1, 2, 3]))
        #expect(try decoder.finish() == nil)
    }

    @Test func jsonHeaderDecoder_TakeBufferedReturnsHeaderAndPartialBody_WhenBodyIsIncomplete() throws {
        let whole = Self.wire("{\"size\":3}", [1, 2, 3])
        var decoder = JSONHeaderDecoder()
        decoder.feed(whole[..<15])
        #expect(try decoder.next() == nil)
        #expect(decoder.takeBuffered() == Array(whole[..<15]))
        #expect(try decoder.finish() == nil)
    }
}
