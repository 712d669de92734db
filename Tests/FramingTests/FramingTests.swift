import Testing

@testable import Framing

@Suite struct FramingTests {
    @Test func framing_RawValues_AreTheCLINames() {
        #expect(Framing.allCases.map(\.rawValue) == ["raw", "line", "length", "seed"])
        #expect(Framing(rawValue: "seed") == .seed)
    }

    @Test func framing_Encode_FramesAnyByteCollection() throws {
        var buffer: [UInt8] = []
        try Framing.raw.encode("a".utf8, into: &buffer)
        try Framing.line.encode("b".utf8, into: &buffer)
        try Framing.length.encode([0x63][...], into: &buffer)
        try Framing.seed.encode(CollectionOfOne(0x64), into: &buffer)
        #expect(buffer == [0x61, 0x62, 0x0A, 0, 0, 0, 1, 0x63, 1, 0, 0, 0, 0x64])
    }
}
