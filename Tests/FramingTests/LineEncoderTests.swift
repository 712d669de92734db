import Testing

@testable import Framing

@Suite struct LineEncoderTests {
    @Test func lineEncoder_AppendsNewline_AfterExistingOutput() throws {
        var buffer = Array("x\n".utf8)
        try LineEncoder().encode(Array("hello".utf8), into: &buffer)
        LineEncoder().encode(bytes: "".utf8, into: &buffer)
        #expect(buffer == Array("x\nhello\n\n".utf8))
    }

    @Test func lineEncoder_WritesExtraCarriageReturn_WhenMessageEndsInOne() throws {
        var buffer: [UInt8] = []
        try LineEncoder().encode(Array("dos\r".utf8), into: &buffer)
        #expect(buffer == Array("dos\r\r\n".utf8))
        var decoder = LineDecoder()
        decoder.feed(buffer)
        #expect(try decoder.next() == Array("dos\r".utf8))
    }

    @Test func lineEncoder_DoesNotLookAtEarlierOutput_ForCarriageReturn() {
        var buffer = Array("\r".utf8)
        LineEncoder().encode(bytes: [UInt8](), into: &buffer)
        #expect(buffer == Array("\r\n".utf8))
    }
}
