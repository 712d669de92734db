/// Fuzzes `LengthPrefixedDecoder` with the SPEC's `seed` field (`struct.pack('i', n)`:
/// 4-byte signed little-endian, negative lengths rejected) and a small limit.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let limit = 1024
    check(
        UnsafeRawBufferPointer(start: data, count: size),
        decoder: LengthPrefixedDecoder(.seed, maximumLength: limit),
        encode: { message, buffer throws(FramingError) in try LengthPrefixedEncoder(.seed).encode(message, into: &buffer) },
        encodingIsCanonical: true,
        isValid: { $0.count <= limit }
    )
    return 0
}
