import PropertyBased
import Testing

@testable import Framing

@Suite struct AnyByteMessageDecoderTests {
    static func verifier(_ framing: Framing, maximumLength: Int? = nil) -> DecoderVerifier<AnyByteMessageDecoder> {
        DecoderVerifier(makeDecoder: { framing.makeDecoder(maximumLength: maximumLength) }) {
            message, stream throws(FramingError) in
            try framing.encode(message, into: &stream)
        }
    }

    @Test(arguments: [Framing.line, .length, .seed])
    func anyByteMessageDecoder_DecodesEveryChunking(framing: Framing) throws {
        let messages: [[UInt8]] = [
            [], Array("hello".utf8), [], [UInt8](repeating: 0x41, count: 99), [UInt8](repeating: 0x42, count: 100),
        ]
        try Self.verifier(framing, maximumLength: 100).verify(messages)
    }

    @Test(arguments: [Framing.line, .length, .seed])
    func anyByteMessageDecoder_DecodesEveryChunking_ForRandomMessagesAndSplits(framing: Framing) async {
        if framing == .line {
            await propertyCheck(input: Generators.lines(upTo: 100), Generators.chunkSizes) { messages, chunkSizes in
                try Self.verifier(framing, maximumLength: 100).verify(messages, chunkSizes: chunkSizes)
            }
        } else {
            await propertyCheck(input: Generators.messages(upTo: 100), Generators.chunkSizes) { messages, chunkSizes in
                try Self.verifier(framing, maximumLength: 100).verify(messages, chunkSizes: chunkSizes)
            }
        }
    }

    @Test func anyByteMessageDecoder_Raw_ReturnsEachNonEmptyChunk() throws {
        let messages: [[UInt8]] = [[1], [2, 3], [4, 5, 6]]
        let verifier = Self.verifier(.raw)
        let (stream, ends) = try verifier.encodeAll(messages)
        #expect(try verifier.decode(stream, chunkSizes: zip(ends, [0] + ends).map { $0 - $1 }) == messages)
        #expect(try verifier.decode(stream, chunkSizes: [1]) == stream.map { [$0] })
        #expect(try verifier.decode(stream, chunkSizes: [stream.count]) == [stream])
    }

    @Test func anyByteMessageDecoder_UsesSpecDefaultMaxima() {
        var line = Framing.line.makeDecoder()
        let longLine = [UInt8](repeating: 0x41, count: 64 * 1024 + 2)
        #expect(firstMessage(&line, after: longLine) == .failure(.messageTooLarge(length: longLine.count, limit: 64 * 1024)))
        for framing in [Framing.length, .seed] {
            var decoder = framing.makeDecoder()
            // 0x01000001 in either byte order.
            #expect(
                firstMessage(&decoder, after: [1, 0, 0, 1])
                    == .failure(.messageTooLarge(length: 0x0100_0001, limit: 16 * 1024 * 1024)))
        }
    }

    @Test func anyByteMessageDecoder_ForwardsErrorsAndFinish() throws {
        var seed = Framing.seed.makeDecoder()
        #expect(firstMessage(&seed, after: [0xFE, 0xFF, 0xFF, 0xFF]) == .failure(.negativeLength(-2)))
        var length = Framing.length.makeDecoder(maximumLength: 10)
        #expect(firstMessage(&length, after: [0, 0, 0, 5, 1]) == .success(nil))
        #expect(length.takeBuffered() == [0, 0, 0, 5, 1])
        length.feed([0, 0, 0, 1, 1, 0])
        #expect(try length.next() == [1])
        #expect(throws: FramingError.truncated(buffered: 1)) { try length.finish() }
        var line = Framing.line.makeDecoder()
        line.feed(Array("last".utf8))
        #expect(try line.next() == nil)
        #expect(try line.finish() == Array("last".utf8))
        #expect(line.framing == .line)
    }

    @Test func anyByteMessageDecoder_DoesNotCopyItsBuffer_WhenFedByteByByte() throws {
        // A copy of the buffer per call would make this quadratic: 2^20 bytes, 2^39 copied.
        let length = 1 << 20
        var decoder = Framing.length.makeDecoder()
        decoder.feed([0, 0x10, 0, 0])
        let byte: UInt8 = 1
        var messages: [[UInt8]] = []
        for _ in 0..<length {
            withUnsafeBytes(of: byte) { decoder.feed($0) }
            if let message = try decoder.next() { messages.append(message) }
        }
        #expect(messages == [[UInt8](repeating: 1, count: length)])
    }
}
