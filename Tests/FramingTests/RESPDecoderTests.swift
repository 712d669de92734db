import PropertyBased
import Testing

@testable import Framing

@Suite struct RESPDecoderTests {
    static func verifier(_ decoder: @escaping @Sendable () -> RESPDecoder = { RESPDecoder() }) -> DecoderVerifier<RESPDecoder> {
        DecoderVerifier(makeDecoder: decoder) { value, stream throws(FramingError) in
            try RESPEncoder().encode(value, into: &stream)
        }
    }

    /// One value of every kind, nested and edge cases included.
    static let everyKind: [RESPValue] = [
        .simpleString("OK"), .simpleString(""), .error("ERR unknown command 'FOO'"), .integer(0), .integer(-1),
        .integer(.max), .integer(.min), .bulkString("hello"), .bulkString([]), .bulkString(nil),
        .bulkString([0x0D, 0x0A, 0x00, 0xFF, 0x0D]), .array([]), .array(nil),
        .array([.bulkString("message"), .bulkString("sock:chat:lobby"), .bulkString("payload")]),
        .array([.integer(1), .array([.array([]), .array(nil), .bulkString(nil)]), .simpleString("PONG")]),
    ]

    @Test func respDecoder_DecodesEveryChunking_ForEveryKindOfValue() throws {
        try Self.verifier().verify(Self.everyKind)
    }

    @Test func respDecoder_DecodesEveryChunking_ForRandomValuesAndSplits() async {
        await propertyCheck(input: RESPGenerators.values, Generators.chunkSizes) { values, chunkSizes in
            try Self.verifier().verify(values, chunkSizes: chunkSizes)
        }
    }

    @Test func respDecoder_DecodesRepliesAsRedisWritesThem() throws {
        let replies: [(String, RESPValue)] = [
            ("+OK\r\n", .simpleString("OK")),
            (
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                .error("WRONGTYPE Operation against a key holding the wrong kind of value")
            ),
            (":1000\r\n", .integer(1000)),
            ("$-1\r\n", .bulkString(nil)),
            ("*-1\r\n", .array(nil)),
            (
                "*3\r\n$9\r\nsubscribe\r\n$4\r\nroom\r\n:1\r\n",
                .array([.bulkString("subscribe"), .bulkString("room"), .integer(1)])
            ),
        ]
        for (wire, expected) in replies {
            var decoder = RESPDecoder()
            #expect(firstMessage(&decoder, after: Array(wire.utf8)) == .success(expected), "\(wire)")
            #expect(try decoder.finish() == nil)
        }
    }

    @Test func respDecoder_ThrowsMessageTooLarge_RightAfterABulkHeaderOverTheLimit() {
        var decoder = RESPDecoder(maximumBulkLength: 10)
        #expect(firstMessage(&decoder, after: Array("$10\r\n0123456789\r\n".utf8)) == .success(.bulkString("0123456789")))
        #expect(firstMessage(&decoder, after: Array("$11\r".utf8)) == .success(nil))
        #expect(firstMessage(&decoder, after: [0x0A]) == .failure(.messageTooLarge(length: 11, limit: 10)))
        var huge = RESPDecoder()
        #expect(
            firstMessage(&huge, after: Array("$9223372036854775807\r\n".utf8))
                == .failure(.messageTooLarge(length: .max, limit: 16 * 1024 * 1024)))
    }

    @Test func respDecoder_ThrowsTooManyElements_RightAfterAnArrayHeaderOverTheLimit() {
        var decoder = RESPDecoder(maximumElements: 3)
        #expect(firstMessage(&decoder, after: Array("*4\r\n".utf8)) == .failure(.tooManyElements(count: 4, limit: 3)))
    }

    @Test func respDecoder_ThrowsNestingTooDeep_WhenArraysNestPastTheLimit() {
        var decoder = RESPDecoder(maximumDepth: 2)
        #expect(firstMessage(&decoder, after: Array("*1\r\n*1\r\n*0\r\n".utf8)) == .failure(.nestingTooDeep(limit: 2)))
        var deepest = RESPDecoder(maximumDepth: 2)
        #expect(firstMessage(&deepest, after: Array("*1\r\n*1\r\n:1\r\n".utf8)) == .success(.array([.array([.integer(1)])])))
    }

    @Test func respDecoder_ThrowsMessageTooLarge_BeforeAClaimedMessageArrives() {
        var decoder = RESPDecoder(maximumMessageLength: 64)
        // Each element fits; together they cannot.
        #expect(firstMessage(&decoder, after: Array("*3\r\n$20\r\n".utf8)) == .success(nil))
        #expect(firstMessage(&decoder, after: Array("01234567890123456789\r\n$20\r\n".utf8)) == .success(nil))
        #expect(
            firstMessage(&decoder, after: Array("01234567890123456789\r\n$20\r\n".utf8))
                == .failure(.messageTooLarge(length: 85, limit: 64)))
        var unterminated = RESPDecoder(maximumMessageLength: 64)
        #expect(firstMessage(&unterminated, after: [UInt8](repeating: UInt8(ascii: "+"), count: 64)) == .success(nil))
        #expect(firstMessage(&unterminated, after: [UInt8(ascii: "+")]) == .failure(.messageTooLarge(length: 65, limit: 64)))
    }

    @Test(arguments: [
        ("!3\r\nfoo\r\n", "unknown type byte 0x21 at the start of a value"),
        ("_\r\n", "unknown type byte 0x5f at the start of a value"),
        (":12a\r\n", "integer \"12a\" is not a 64-bit decimal integer"),
        (":9223372036854775808\r\n", "integer \"9223372036854775808\" is not a 64-bit decimal integer"),
        (":\r\n", "integer \"\" is not a 64-bit decimal integer"),
        ("$x\r\n", "bulk string length \"x\" is not a 64-bit decimal integer"),
        ("$3\r\nfooXY", "a bulk string of 3 bytes not followed by \\r\\n"),
        ("+OK\n", "a line not ended by \\r\\n, or with a \\r inside"),
        ("+O\rK\r\n", "a line not ended by \\r\\n, or with a \\r inside"),
    ])
    func respDecoder_ThrowsMalformed_ForInputThatIsNotRESP2(wire: String, reason: String) {
        var decoder = RESPDecoder()
        #expect(firstMessage(&decoder, after: Array(wire.utf8)) == .failure(.malformedRESP(reason)))
    }

    @Test func respDecoder_ThrowsMalformed_ForASimpleStringOrErrorThatIsNotUTF8() {
        var simple = RESPDecoder()
        #expect(
            firstMessage(&simple, after: [UInt8(ascii: "+"), 0xFF, 0x0D, 0x0A])
                == .failure(.malformedRESP("a simple string that is not UTF-8")))
        var error = RESPDecoder()
        #expect(
            firstMessage(&error, after: [UInt8(ascii: "-"), 0xC3, 0x0D, 0x0A])
                == .failure(.malformedRESP("an error that is not UTF-8")))
    }

    @Test func respDecoder_ThrowsNegativeLength_ForLengthsBelowMinusOne() {
        var bulk = RESPDecoder()
        #expect(firstMessage(&bulk, after: Array("$-2\r\n".utf8)) == .failure(.negativeLength(-2)))
        var array = RESPDecoder()
        #expect(firstMessage(&array, after: Array("*-5\r\n".utf8)) == .failure(.negativeLength(-5)))
    }

    @Test func respDecoder_ThrowsTruncated_AndGivesBackAllOfAnUnfinishedArray() throws {
        let partial = Array("*2\r\n:1\r\n$5\r\nhel".utf8)
        var decoder = RESPDecoder()
        #expect(firstMessage(&decoder, after: Array(":7\r\n".utf8) + partial) == .success(.integer(7)))
        #expect(try decoder.next() == nil)
        #expect(throws: FramingError.truncated(buffered: partial.count)) { try decoder.finish() }
        #expect(decoder.takeBuffered() == partial)
        #expect(try decoder.finish() == nil)
        #expect(firstMessage(&decoder, after: Array("+again\r\n".utf8)) == .success(.simpleString("again")))
    }

    @Test func respDecoder_IsCompact_WhenABigBulkStringArrivesByteByByte() throws {
        let length = 1024 * 1024
        var decoder = RESPDecoder()
        decoder.feed(Array("$\(length)\r\n".utf8))
        var received = 0
        for _ in 0..<length {
            withUnsafeBytes(of: UInt8(0x5A)) { decoder.feed($0) }
            received += 1
            if try decoder.next() != nil { Issue.record("a value before all of it arrived") }
        }
        #expect(decoder.bufferCapacity <= 2 * (received + 16))
        decoder.feed(Array("\r\n".utf8))
        let value = try #require(try decoder.next())
        #expect(value == .bulkString([UInt8](repeating: 0x5A, count: length)))
    }
}

/// Random RESP values for the property checks, built from random bytes so that the
/// library's byte generator shrinks them.
enum RESPGenerators {
    /// Several values of every kind, nested up to three arrays deep.
    static let values = Gen.uint8().array(of: 0...300).map { bytes in
        var reader = bytes.makeIterator()
        var values: [RESPValue] = []
        while let value = value(from: &reader, depth: 0) { values.append(value) }
        return values
    }

    /// The next value the bytes describe, or `nil` when they run out.
    static func value(from reader: inout IndexingIterator<[UInt8]>, depth: Int) -> RESPValue? {
        guard let kind = reader.next(), let size = reader.next() else { return nil }
        let count = Int(size % 12)
        func bytes() -> [UInt8] { (0..<count).compactMap { _ in reader.next() } }
        switch kind % 8 {
        case 0: return .simpleString(String(decoding: bytes().filter { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self))
        case 1: return .error(String(decoding: bytes().filter { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self))
        case 2: return .integer(Int64(size) &* 0x0123_4567_89AB_CDEF)
        case 3: return .bulkString(nil)
        case 4: return .array(nil)
        case 5 where depth < 3:
            return .array((0..<count % 5).compactMap { _ in value(from: &reader, depth: depth + 1) })
        default: return .bulkString(bytes())
        }
    }
}
