import PropertyBased
import Testing

@testable import Framing

@Suite struct LineDecoderTests {
    static func verifier(maximumLength: Int = 64) -> DecoderVerifier<LineDecoder> {
        DecoderVerifier(makeDecoder: { LineDecoder(maximumLength: maximumLength) }) { line, stream throws(FramingError) in
            try LineEncoder().encode(line, into: &stream)
        }
    }

    @Test func lineDecoder_DecodesEveryChunking_WhenLinesAreEmptyOrNearTheLimit() throws {
        let lines: [[UInt8]] = [
            [], Array("hello".utf8), [], [UInt8](repeating: 0x41, count: 63),
            [UInt8](repeating: 0x42, count: 64), Array("ends in CR\r".utf8), [UInt8(ascii: "\r")], [],
        ]
        try Self.verifier().verify(lines)
    }

    @Test func lineDecoder_DecodesEveryChunking_ForRandomLinesAndSplits() async {
        await propertyCheck(input: Generators.lines(upTo: 64), Generators.chunkSizes) { lines, chunkSizes in
            try Self.verifier().verify(lines, chunkSizes: chunkSizes)
        }
    }

    @Test func lineDecoder_DropsCarriageReturn_OnlyRightBeforeNewline() throws {
        let stream = Array("a\r\nb\n\r\n\rc\r\nd\r\r\ne\rf\n".utf8)
        let lines = try Self.verifier().decode(stream, chunkSizes: [1])
        #expect(lines == ["a", "b", "", "\rc", "d\r", "e\rf"].map { Array($0.utf8) })
    }

    @Test func lineDecoder_ReturnsUnterminatedLastLine_OnFinish() throws {
        var decoder = LineDecoder()
        decoder.feed(Array("one\ntwo\r".utf8))
        #expect(try decoder.next() == Array("one".utf8))
        #expect(try decoder.next() == nil)
        #expect(try decoder.finish() == Array("two\r".utf8))
        #expect(try decoder.finish() == nil)
    }

    @Test func lineDecoder_FinishReturnsNothing_WhenStreamEndsAfterNewline() throws {
        var decoder = LineDecoder()
        decoder.feed(Array("one\n".utf8))
        #expect(try decoder.next() == Array("one".utf8))
        #expect(try decoder.finish() == nil)
    }

    @Test func lineDecoder_ThrowsMessageTooLarge_BeforeTheNewlineArrives() {
        var decoder = LineDecoder(maximumLength: 8)
        #expect(firstMessage(&decoder, after: Array("12345678".utf8)) == .success(nil))
        #expect(firstMessage(&decoder, after: Array("9".utf8)) == .failure(.messageTooLarge(length: 9, limit: 8)))
    }

    @Test func lineDecoder_WaitsForNewline_WhenLineAtLimitEndsInCarriageReturn() {
        var decoder = LineDecoder(maximumLength: 8)
        #expect(firstMessage(&decoder, after: Array("12345678\r".utf8)) == .success(nil))
        #expect(firstMessage(&decoder, after: Array("\n".utf8)) == .success(Array("12345678".utf8)))
        #expect(firstMessage(&decoder, after: Array("12345678\rx".utf8)) == .failure(.messageTooLarge(length: 10, limit: 8)))
    }

    @Test func lineDecoder_ThrowsMessageTooLarge_WhenWholeLongLineArrivesAtOnce() {
        var decoder = LineDecoder(maximumLength: 4)
        #expect(firstMessage(&decoder, after: Array("12345\nok\n".utf8)) == .failure(.messageTooLarge(length: 5, limit: 4)))
        var crDecoder = LineDecoder(maximumLength: 4)
        #expect(firstMessage(&crDecoder, after: Array("12345\r\n".utf8)) == .failure(.messageTooLarge(length: 5, limit: 4)))
    }

    @Test func lineDecoder_ReportsLineLength_WhenNewlineArrivesFarPastTheLimit() {
        var decoder = LineDecoder(maximumLength: 4)
        let huge = [UInt8](repeating: 0x41, count: 1 << 20) + [UInt8(ascii: "\n")]
        #expect(firstMessage(&decoder, after: huge) == .failure(.messageTooLarge(length: huge.count - 1, limit: 4)))
    }

    @Test func lineDecoder_ThrowsMessageTooLarge_ForLongUnterminatedLastLine() {
        var decoder = LineDecoder(maximumLength: 4)
        #expect(firstMessage(&decoder, after: Array("1234\r".utf8)) == .success(nil))
        #expect(throws: FramingError.messageTooLarge(length: 5, limit: 4)) { try decoder.finish() }
    }

    @Test func lineDecoder_AcceptsEmptyLines_WithZeroLimit() throws {
        let lines = try Self.verifier(maximumLength: 0).decode(Array("\n\r\n\n".utf8), chunkSizes: [1])
        #expect(lines == [[], [], []])
    }

    @Test func lineDecoder_TakeBufferedReturnsPartialLine_AndEmptiesDecoder() throws {
        var decoder = LineDecoder()
        decoder.feed(Array("head\nbody bytes".utf8))
        #expect(try decoder.next() == Array("head".utf8))
        #expect(try decoder.next() == nil)
        #expect(decoder.takeBuffered() == Array("body bytes".utf8))
        #expect(decoder.takeBuffered().isEmpty)
        decoder.feed(Array("next\n".utf8))
        #expect(try decoder.next() == Array("next".utf8))
    }

    @Test func lineDecoder_IsLinearAndCompact_WhenLongLineArrivesByteByByte() throws {
        let length = 64 * 1024
        var decoder = LineDecoder(maximumLength: length)
        var received = 0
        let byte: UInt8 = 0x61
        for _ in 0..<length {
            withUnsafeBytes(of: byte) { decoder.feed($0) }
            received += 1
            #expect(try decoder.next() == nil)
            #expect(decoder.scannedCount == received)
        }
        #expect(decoder.bufferCapacity <= 2 * received)
        decoder.feed(Array("\n".utf8))
        #expect(try decoder.next() == [UInt8](repeating: 0x61, count: length))
    }
}
