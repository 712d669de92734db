/// Fuzzes `RESPDecoder` with small limits, so that every limit is reached often.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bulkLimit = 64
    let elementLimit = 16
    let depthLimit = 4
    check(
        UnsafeRawBufferPointer(start: data, count: size),
        decoder: RESPDecoder(
            maximumBulkLength: bulkLimit, maximumElements: elementLimit, maximumDepth: depthLimit, maximumMessageLength: 1024),
        encode: { value, buffer throws(FramingError) in try RESPEncoder().encode(value, into: &buffer) },
        // `:+1`-style and invalid UTF-8 simple strings decode to values that encode differently.
        encodingIsCanonical: false,
        isValid: { isWithinLimits($0, bulkLimit: bulkLimit, elementLimit: elementLimit) && $0.depth <= depthLimit },
        // How many bytes of a too-large message had arrived depends on the chunking.
        sameError: { first, second in
            switch (first, second) {
            case (.messageTooLarge?, .messageTooLarge?): true
            default: first == second
            }
        }
    )
    return 0
}

/// Whether every bulk string and array in `value` is within its limit.
func isWithinLimits(_ value: RESPValue, bulkLimit: Int, elementLimit: Int) -> Bool {
    switch value {
    case .bulkString(let bytes?): bytes.count <= bulkLimit
    case .array(let elements?):
        elements.count <= elementLimit
            && elements.allSatisfy { isWithinLimits($0, bulkLimit: bulkLimit, elementLimit: elementLimit) }
    default: true
    }
}
