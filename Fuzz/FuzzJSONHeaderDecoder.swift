/// Fuzzes `JSONHeaderDecoder` (and so its JSON checker) with small limits; every accepted
/// header must also pass `JSONHeaderMessage.bodyLength(ofHeader:)` with the same size.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let headerLimit = 256
    let bodyLimit = 1024
    check(
        UnsafeRawBufferPointer(start: data, count: size),
        decoder: JSONHeaderDecoder(maximumHeaderLength: headerLimit, maximumBodyLength: bodyLimit),
        encode: { message, buffer throws(FramingError) in
            try JSONHeaderEncoder(maximumHeaderLength: headerLimit).encode(message, into: &buffer)
        },
        encodingIsCanonical: true,
        isValid: { message in
            let announced = try? JSONHeaderMessage.bodyLength(ofHeader: message.header, maximumBodyLength: bodyLimit)
            return message.header.count <= headerLimit && announced == message.body.count
        }
    )
    return 0
}
