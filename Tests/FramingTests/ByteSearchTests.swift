import PropertyBased
import Testing

@testable import Framing

@Suite struct ByteSearchTests {
    @Test func byteSearch_FindsTheFirstMatch_LikeFirstIndex() async {
        let bytes = Gen.uint8(in: 8...12).array(of: 0...70)
        await propertyCheck(input: bytes, Gen.int(in: 0...70), Gen.int(in: 0...70)) { bytes, from, to in
            let range = min(from, to, bytes.count)..<min(max(from, to), bytes.count)
            let expected = bytes[range].firstIndex(of: 10)
            #expect(bytes.withUnsafeBytes { $0.index(of: 10, in: range) } == expected)
        }
    }

    @Test func byteSearch_FindsEveryPosition_InEveryAlignment() {
        for length in 0..<40 {
            for position in 0..<length {
                var bytes = [UInt8](repeating: 0xFF, count: length)
                bytes[position] = 0
                if position + 1 < length { bytes[position + 1] = 0 }
                for start in 0...position {
                    #expect(bytes.withUnsafeBytes { $0.index(of: 0, in: start..<length) } == position)
                }
                #expect(bytes.withUnsafeBytes { $0.index(of: 1, in: 0..<length) } == nil)
            }
        }
    }
}
