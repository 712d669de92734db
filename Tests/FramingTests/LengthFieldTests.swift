import Testing

@testable import Framing

@Suite struct LengthFieldTests {
    static let allFields: [LengthField] = [1, 2, 4, 8].flatMap { width in
        [LengthField.ByteOrder.big, .little].flatMap { order in
            [false, true].map { LengthField(width: width, byteOrder: order, isSigned: $0) }
        }
    }

    @Test func lengthField_NamedFields_MatchTheSpec() {
        #expect(LengthField.length == LengthField(width: 4, byteOrder: .big, isSigned: false))
        #expect(LengthField.seed == LengthField(width: 4, byteOrder: .little, isSigned: true))
    }

    @Test(arguments: [
        (1, false, 255), (1, true, 127), (2, false, 65535), (2, true, 32767),
        (4, false, 4_294_967_295), (4, true, 2_147_483_647), (8, false, Int.max), (8, true, Int.max),
    ])
    func lengthField_MaximumValue_IsWhatTheFieldCanCarry(width: Int, isSigned: Bool, maximum: Int) {
        #expect(LengthField(width: width, byteOrder: .big, isSigned: isSigned).maximumValue == maximum)
    }

    @Test(arguments: allFields)
    func lengthField_ReadsWhatItWrites(field: LengthField) {
        for value in [0, 1, 127, field.maximumValue / 2, field.maximumValue] {
            var bytes: [UInt8] = []
            field.write(value, into: &bytes)
            #expect(bytes.count == field.width)
            #expect(bytes.withUnsafeBytes { field.read(from: $0) } == value)
        }
    }

    @Test func lengthField_WritesBytesInItsOrder() {
        var big: [UInt8] = []
        LengthField(width: 4, byteOrder: .big, isSigned: false).write(0x0102_0304, into: &big)
        #expect(big == [1, 2, 3, 4])
        var little: [UInt8] = []
        LengthField(width: 2, byteOrder: .little, isSigned: true).write(0x0102, into: &little)
        #expect(little == [2, 1])
    }

    @Test func lengthField_ReadsNegativeSignedValues_AndClampsHugeUnsignedOnes() {
        let minusOne: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        for width in [1, 2, 4, 8] {
            let signed = LengthField(width: width, byteOrder: .little, isSigned: true)
            #expect(minusOne.withUnsafeBytes { signed.read(from: $0) } == -1)
        }
        let unsigned = LengthField(width: 8, byteOrder: .big, isSigned: false)
        #expect(minusOne.withUnsafeBytes { unsigned.read(from: $0) } == Int.max)
        let seedMinimum: [UInt8] = [0x00, 0x00, 0x00, 0x80]
        #expect(seedMinimum.withUnsafeBytes { LengthField.seed.read(from: $0) } == Int(Int32.min))
    }
}
