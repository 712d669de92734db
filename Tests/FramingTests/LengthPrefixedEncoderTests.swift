import Testing

@testable import Framing

@Suite struct LengthPrefixedEncoderTests {
    @Test func lengthPrefixedEncoder_WritesBigEndianUnsignedLength_ByDefault() throws {
        var buffer: [UInt8] = [9]
        try LengthPrefixedEncoder().encode([1, 2, 3], into: &buffer)
        #expect(buffer == [9, 0, 0, 0, 3, 1, 2, 3])
    }

    @Test func lengthPrefixedEncoder_WritesStructPackI_ForSeed() throws {
        var buffer: [UInt8] = []
        try LengthPrefixedEncoder(.seed).encode(bytes: "hi".utf8, into: &buffer)
        #expect(buffer == [2, 0, 0, 0, 0x68, 0x69])
    }

    @Test(arguments: LengthFieldTests.allFields)
    func lengthPrefixedEncoder_WritesEachWidthAndOrder(field: LengthField) throws {
        let message = [UInt8](repeating: 7, count: 0x7E)
        var buffer: [UInt8] = []
        try LengthPrefixedEncoder(field).encode(message, into: &buffer)
        var expectedPrefix = [UInt8](repeating: 0, count: field.width)
        expectedPrefix[field.byteOrder == .big ? field.width - 1 : 0] = 0x7E
        #expect(buffer == expectedPrefix + message)
    }

    @Test(arguments: [(1, false), (1, true), (2, false), (2, true)])
    func lengthPrefixedEncoder_ThrowsMessageTooLarge_WhenLengthDoesNotFit(width: Int, isSigned: Bool) throws {
        let field = LengthField(width: width, byteOrder: .little, isSigned: isSigned)
        let encoder = LengthPrefixedEncoder(field)
        var buffer: [UInt8] = [1]
        try encoder.encode([UInt8](repeating: 0, count: field.maximumValue), into: &buffer)
        #expect(buffer.count == 1 + width + field.maximumValue)
        buffer = [1]
        #expect(throws: FramingError.messageTooLarge(length: field.maximumValue + 1, limit: field.maximumValue)) {
            try encoder.encode([UInt8](repeating: 0, count: field.maximumValue + 1), into: &buffer)
        }
        #expect(buffer == [1])
    }

    @Test func lengthPrefixedEncoder_ThrowsMessageTooLarge_OverSignedFourByteLimit() {
        // A collection that claims 2^31 bytes without storing them.
        let huge = repeatElement(UInt8(0), count: Int(Int32.max) + 1)
        var buffer: [UInt8] = []
        #expect(throws: FramingError.messageTooLarge(length: Int(Int32.max) + 1, limit: Int(Int32.max))) {
            try LengthPrefixedEncoder(.seed).encode(bytes: huge, into: &buffer)
        }
    }
}
