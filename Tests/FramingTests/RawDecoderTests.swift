import PropertyBased
import Testing

@testable import Framing

@Suite struct RawDecoderTests {
    @Test func rawDecoder_ReturnsEachChunk_AsOneMessage() throws {
        var decoder = RawDecoder()
        decoder.feed(Array("first".utf8))
        decoder.feed([UInt8]())
        decoder.feed(Array("second".utf8))
        #expect(try decoder.next() == Array("first".utf8))
        #expect(try decoder.next() == Array("second".utf8))
        #expect(try decoder.next() == nil)
        #expect(try decoder.finish() == nil)
    }

    @Test func rawDecoder_KeepsEveryByte_ForRandomSplits() async {
        await propertyCheck(input: Generators.bytes(upTo: 500), Generators.chunkSizes) { stream, chunkSizes in
            let verifier = DecoderVerifier(makeDecoder: { RawDecoder() }) { message, stream throws(FramingError) in
                try RawEncoder().encode(message, into: &stream)
            }
            let chunks = try verifier.decode(stream, chunkSizes: chunkSizes)
            #expect(Array(chunks.joined()) == stream)
            #expect(chunks.allSatisfy { !$0.isEmpty && $0.count <= chunkSizes.max()! })
        }
    }

    @Test func rawDecoder_TakeBufferedConcatenatesPendingChunks() throws {
        var decoder = RawDecoder()
        decoder.feed([1, 2])
        decoder.feed([3])
        decoder.feed([4, 5])
        #expect(try decoder.next() == [1, 2])
        #expect(decoder.takeBuffered() == [3, 4, 5])
        #expect(try decoder.next() == nil)
    }

    @Test func rawEncoder_AppendsBytesUnchanged() throws {
        var buffer: [UInt8] = [1]
        try RawEncoder().encode([2, 3], into: &buffer)
        RawEncoder().encode(bytes: [4], into: &buffer)
        #expect(buffer == [1, 2, 3, 4])
    }
}
