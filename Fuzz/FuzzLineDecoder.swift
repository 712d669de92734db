/// Fuzzes `LineDecoder` with a small limit, so that over-long lines are common.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let limit = 64
    check(
        UnsafeRawBufferPointer(start: data, count: size),
        decoder: LineDecoder(maximumLength: limit),
        encode: { line, buffer throws(FramingError) in try LineEncoder().encode(line, into: &buffer) },
        encodingIsCanonical: false,
        isValid: { $0.count <= limit && !$0.contains(UInt8(ascii: "\n")) },
        // How many bytes of a too-long line had arrived depends on the chunking.
        sameError: { first, second in
            switch (first, second) {
            case (.messageTooLarge(_, let limit1)?, .messageTooLarge(_, let limit2)?): limit1 == limit2
            default: first == second
            }
        }
    )
    return 0
}
