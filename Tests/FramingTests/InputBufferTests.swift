import PropertyBased
import Testing

@testable import Framing

@Suite struct InputBufferTests {
    @Test func inputBuffer_MatchesAPlainArray_ForRandomAppendsAndTakes() async {
        let steps = zip(Gen.int(in: 0...300), Gen.int(in: 0...400)).array(of: 1...40)
        await propertyCheck(input: steps) { steps in
            var buffer = InputBuffer()
            var model: [UInt8] = []
            var next: UInt8 = 0
            var peak = 0
            for (appendCount, takeCount) in steps {
                let bytes = (0..<appendCount).map { _ in
                    next &+= 1
                    return next
                }
                bytes.withUnsafeBytes { buffer.append($0) }
                model += bytes
                peak = max(peak, model.count)
                let take = min(takeCount, model.count)
                #expect(buffer.take(from: 0, length: take) == Array(model.prefix(take)))
                model.removeFirst(take)
                #expect(buffer.count == model.count)
                #expect(buffer.withUnsafeBytes { Array($0) } == model)
                #expect(buffer.capacity <= 2 * peak + 64)
            }
            #expect(buffer.takeAll() == model)
            #expect(buffer.isEmpty)
        }
    }

    @Test func inputBuffer_GivesBackLargeStorage_WhenEmptied() {
        var buffer = InputBuffer()
        let big = [UInt8](repeating: 1, count: 1 << 20)
        big.withUnsafeBytes { buffer.append($0) }
        buffer.skip(big.count)
        [UInt8(2)].withUnsafeBytes { buffer.append($0) }
        #expect(buffer.capacity < 1 << 16)
        #expect(buffer.take(from: 0, length: 1) == [2])
    }
}
