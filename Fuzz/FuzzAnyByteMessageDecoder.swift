/// Fuzzes `AnyByteMessageDecoder`: the first input byte picks the framing (low 2 bits)
/// and the maximum message length (the rest); the other bytes are the stream.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let framing = Framing.allCases[Int(data[0] & 3)]
    let limit = Int(data[0] >> 2) * 4
    let stream = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let decoder = framing.makeDecoder(maximumLength: limit)
    if framing == .raw {
        for chunkSizes in chunkings(for: stream) {
            let outcome = decode(decoder, stream, chunkSizes: chunkSizes, finishing: true)
            precondition(outcome.error == nil && Array(outcome.messages.joined()) == Array(stream))
            precondition(outcome.messages.allSatisfy { !$0.isEmpty && $0.count <= chunkSizes.max()! })
        }
        return 0
    }
    check(
        stream,
        decoder: decoder,
        encode: { message, buffer throws(FramingError) in try framing.encode(message, into: &buffer) },
        encodingIsCanonical: framing != .line,
        isValid: { $0.count <= limit },
        sameError: { first, second in
            switch (first, second) {
            case (.messageTooLarge(_, let limit1)?, .messageTooLarge(_, let limit2)?) where framing == .line:
                limit1 == limit2
            default: first == second
            }
        }
    )
    return 0
}
