/// Fuzzes `LengthPrefixedDecoder` with the SPEC's `length` field (4-byte unsigned
/// big-endian) and a small limit.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let limit = 1024
    check(
        UnsafeRawBufferPointer(start: data, count: size),
        decoder: LengthPrefixedDecoder(.length, maximumLength: limit),
        encode: { message, buffer throws(FramingError) in try LengthPrefixedEncoder(.length).encode(message, into: &buffer) },
        encodingIsCanonical: true,
        isValid: { $0.count <= limit }
    )
    return 0
}
