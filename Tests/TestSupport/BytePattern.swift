/// A deterministic pseudo-random byte pattern: the same for the same `seed`, its first
/// 256 bytes 0...255 (so even a short payload holds every byte value).
public func bytePattern(count: Int, seed: UInt32 = 1) -> [UInt8] {
    var state = seed &* 2_654_435_761 | 1
    return (0..<count).map { index in
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return index < 256 ? UInt8(index) : UInt8(truncatingIfNeeded: state)
    }
}
