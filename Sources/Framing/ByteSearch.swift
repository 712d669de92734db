extension UnsafeRawBufferPointer {
    /// The index of the first `byte` in `range`, or `nil`; the hot loop of line decoding.
    ///
    /// Compares eight bytes per step (the "has a zero byte" word trick on `word ^ pattern`),
    /// then the last few one at a time. No Foundation or libc: this module stays pure.
    func index(of byte: UInt8, in range: Range<Int>) -> Int? {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        guard let base = baseAddress else { return nil }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let pattern = ones &* UInt64(byte)
        var index = range.lowerBound
        while range.upperBound - index >= 8 {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) ^ pattern
            let zeroBytes = (word &- ones) & ~word & highBits
            if zeroBytes != 0 {
                return index + zeroBytes.trailingZeroBitCount / 8
            }
            index += 8
        }
        while index < range.upperBound {
            if base.load(fromByteOffset: index, as: UInt8.self) == byte {
                return index
            }
            index += 1
        }
        return nil
    }
}
