import PropertyBased
import Testing

@testable import Framing

@Suite struct LengthPrefixedDecoderTests {
    static func verifier(_ field: LengthField = .length, maximumLength: Int = 300) -> DecoderVerifier<LengthPrefixedDecoder> {
        DecoderVerifier(makeDecoder: { LengthPrefixedDecoder(field, maximumLength: maximumLength) }) {
            message, stream throws(FramingError) in
            try LengthPrefixedEncoder(field).encode(message, into: &stream)
        }
    }

    @Test(arguments: LengthFieldTests.allFields)
    func lengthPrefixedDecoder_DecodesEveryChunking_WhenMessagesAreEmptyOrNearTheLimit(field: LengthField) throws {
        let limit = min(300, field.maximumValue)
        let messages: [[UInt8]] = [
            [], [7], [], (0..<limit - 1).map { UInt8(truncatingIfNeeded: $0) },
            [UInt8](repeating: 0xFF, count: limit), [0x0A, 0x0D], [],
        ]
        try Self.verifier(field, maximumLength: limit).verify(messages)
    }

    @Test func lengthPrefixedDecoder_DecodesEveryChunking_ForRandomMessagesAndSplits() async {
        await propertyCheck(input: Generators.messages(upTo: 300), Generators.chunkSizes) { messages, chunkSizes in
            try Self.verifier(.length).verify(messages, chunkSizes: chunkSizes)
            try Self.verifier(.seed).verify(messages, chunkSizes: chunkSizes)
        }
    }

    @Test func lengthPrefixedDecoder_ThrowsMessageTooLarge_RightAfterThePrefix() {
        var decoder = LengthPrefixedDecoder(.length, maximumLength: 100)
        #expect(firstMessage(&decoder, after: [0, 0, 0]) == .success(nil))
        #expect(firstMessage(&decoder, after: [101]) == .failure(.messageTooLarge(length: 101, limit: 100)))
        var seed = LengthPrefixedDecoder(.seed)
        #expect(
            firstMessage(&seed, after: [0xFF, 0xFF, 0xFF, 0x7F])
                == .failure(.messageTooLarge(length: Int(Int32.max), limit: 16 * 1024 * 1024))
        )
    }

    @Test func lengthPrefixedDecoder_AcceptsMessageExactlyAtTheLimit() {
        var decoder = LengthPrefixedDecoder(.length, maximumLength: 3)
        #expect(firstMessage(&decoder, after: [0, 0, 0, 3, 1, 2, 3]) == .success([1, 2, 3]))
    }

    @Test func lengthPrefixedDecoder_ThrowsNegativeLength_ForNegativeSeedLength() {
        var decoder = LengthPrefixedDecoder(.seed)
        // struct.pack('i', -1)
        #expect(firstMessage(&decoder, after: [0xFF, 0xFF, 0xFF, 0xFF]) == .failure(.negativeLength(-1)))
        var minimum = LengthPrefixedDecoder(.seed)
        #expect(firstMessage(&minimum, after: [0, 0, 0, 0x80]) == .failure(.negativeLength(Int(Int32.min))))
    }

    @Test func lengthPrefixedDecoder_ReadsHugeUnsigned8ByteLength_AsTooLarge() {
        var decoder = LengthPrefixedDecoder(LengthField(width: 8, byteOrder: .big, isSigned: false), maximumLength: .max - 1)
        #expect(
            firstMessage(&decoder, after: [UInt8](repeating: 0xFF, count: 8))
                == .failure(.messageTooLarge(length: .max, limit: .max - 1)))
    }

    @Test func lengthPrefixedDecoder_ThrowsTruncated_WhenStreamEndsInsideMessage() {
        for field in [LengthField.length, .seed] {
            for partial: [UInt8] in [[0], [5, 0, 0, 5], [5, 0, 0, 5, 1, 2]] {
                var decoder = LengthPrefixedDecoder(field, maximumLength: 1 << 30)
                #expect(firstMessage(&decoder, after: partial) == .success(nil))
                #expect(throws: FramingError.truncated(buffered: partial.count)) { try decoder.finish() }
            }
        }
    }

    @Test func lengthPrefixedDecoder_TakeBufferedReturnsUndecodedBytes() throws {
        var decoder = LengthPrefixedDecoder()
        decoder.feed([0, 0, 0, 1, 42, 0, 0, 0, 9, 1])
        #expect(try decoder.next() == [42])
        #expect(try decoder.next() == nil)
        #expect(decoder.takeBuffered() == [0, 0, 0, 9, 1])
        #expect(try decoder.finish() == nil)
    }

    @Test func lengthPrefixedDecoder_IsLinearAndCompact_When16MiBMessageArrivesByteByByte() throws {
        let length = 16 * 1024 * 1024
        var decoder = LengthPrefixedDecoder(.length, maximumLength: length)
        decoder.feed([1, 0, 0, 0])
        var received = 4
        var byte: UInt8 = 0x5A
        for _ in 0..<length - 1 {
            withUnsafeBytes(of: byte) { decoder.feed($0) }
            received += 1
            if try decoder.next() != nil {
                Issue.record("a message before all of it arrived")
            }
        }
        #expect(decoder.bufferCapacity <= 2 * received)
        byte = 0xA5
        withUnsafeBytes(of: byte) { decoder.feed($0) }
        let message = try #require(try decoder.next())
        #expect(message.count == length && message.first == 0x5A && message.last == 0xA5)
        #expect(try decoder.finish() == nil)
    }
}
