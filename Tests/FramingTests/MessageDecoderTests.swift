import Testing

@testable import Framing

@Suite struct MessageDecoderTests {
    @Test func feed_AcceptsNonContiguousSequences() throws {
        var decoder = LineDecoder()
        decoder.feed((0..<3).lazy.map { UInt8(ascii: "a") + UInt8($0) })
        decoder.feed(repeatElement(UInt8(ascii: "\n"), count: 2))
        #expect(try decoder.next() == Array("abc".utf8))
        #expect(try decoder.next() == [])
    }

    @Test func feed_AcceptsContiguousCollections() throws {
        var decoder = LineDecoder()
        decoder.feed("x\n".utf8)
        decoder.feed(Array("yz\n".utf8)[1...])
        #expect(try decoder.next() == Array("x".utf8))
        #expect(try decoder.next() == Array("z".utf8))
    }
}
