import Testing

@testable import Framing

@Suite struct LineEncoderTests {
    @Test func lineEncoder_AppendsNewline_AfterExistingOutput() throws {
        var buffer = Array("x\n".utf8)
        try LineEncoder().encode(Array("hello".utf8), into: &buffer)
        try LineEncoder().encode(bytes: "".utf8, into: &buffer)
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

    @Test func lineEncoder_DoesNotLookAtEarlierOutput_ForCarriageReturn() throws {
        var buffer = Array("\r".utf8)
        try LineEncoder().encode(bytes: [UInt8](), into: &buffer)
        #expect(buffer == Array("\r\n".utf8))
    }

    @Test(arguments: [("two\nlines", 3), ("\n", 0), ("a long line that breaks only at its very end\n", 44)])
    func lineEncoder_RefusesLineBreak_AndLeavesOutputUnchanged(message: String, offset: Int) {
        var buffer = Array("earlier\n".utf8)
        #expect(throws: FramingError.lineBreakInMessage(offset: offset)) {
            try LineEncoder().encode(Array(message.utf8), into: &buffer)
        }
        #expect(throws: FramingError.lineBreakInMessage(offset: offset)) {
            try Framing.line.encode(message.utf8, into: &buffer)
        }
        #expect(buffer == Array("earlier\n".utf8))
        try? LineEncoder().encode(bytes: "next".utf8, into: &buffer)
        #expect(buffer == Array("earlier\nnext\n".utf8))
    }
}
