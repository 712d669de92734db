import Testing

@testable import Framing

/// Checks a decoder the way SwiftNIO's `ByteToMessageDecoderVerifier` does: the same
/// encoded stream, fed in different chunkings, must decode to the same messages.
struct DecoderVerifier<Decoder: MessageDecoder> where Decoder.Message: Equatable {
    /// Makes a fresh decoder for each feeding.
    var makeDecoder: () -> Decoder
    /// Appends one framed message to a stream.
    var encode: (Decoder.Message, inout [UInt8]) throws(FramingError) -> Void

    /// Encodes `messages` into one stream; also returns where each message ends in it.
    func encodeAll(_ messages: [Decoder.Message]) throws(FramingError) -> (stream: [UInt8], ends: [Int]) {
        var stream: [UInt8] = []
        var ends: [Int] = []
        for message in messages {
            try encode(message, &stream)
            ends.append(stream.count)
        }
        return (stream, ends)
    }

    /// Feeds `stream` to a fresh decoder in chunks of `chunkSizes` (repeated as needed),
    /// taking out every message after each chunk, then finishes the stream.
    func decode(_ stream: [UInt8], chunkSizes: [Int]) throws(FramingError) -> [Decoder.Message] {
        precondition(!chunkSizes.isEmpty && chunkSizes.allSatisfy { $0 > 0 })
        var decoder = makeDecoder()
        var messages: [Decoder.Message] = []
        var offset = 0
        var chunk = 0
        while offset < stream.count {
            let end = min(stream.count, offset + chunkSizes[chunk % chunkSizes.count])
            decoder.feed(stream[offset..<end])
            while let message = try decoder.next() {
                messages.append(message)
            }
            offset = end
            chunk += 1
        }
        if let last = try decoder.finish() {
            messages.append(last)
        }
        #expect(decoder.takeBuffered().isEmpty)
        return messages
    }

    /// Feeds the encoded `messages` byte by byte, all in one chunk, and one message per
    /// chunk, and expects them back each time.
    func verify(_ messages: [Decoder.Message], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (stream, ends) = try encodeAll(messages)
        #expect(try decode(stream, chunkSizes: [1]) == messages, "byte by byte", sourceLocation: sourceLocation)
        #expect(
            try decode(stream, chunkSizes: [max(1, stream.count)]) == messages,
            "all at once",
            sourceLocation: sourceLocation
        )
        let messageSizes = zip(ends, [0] + ends).map { $0 - $1 }.filter { $0 > 0 }
        #expect(
            try decode(stream, chunkSizes: messageSizes.isEmpty ? [1] : messageSizes) == messages,
            "one message per chunk",
            sourceLocation: sourceLocation
        )
    }

    /// Feeds the encoded `messages` in chunks of `chunkSizes` and expects them back.
    func verify(
        _ messages: [Decoder.Message],
        chunkSizes: [Int],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let (stream, _) = try encodeAll(messages)
        #expect(try decode(stream, chunkSizes: chunkSizes) == messages, sourceLocation: sourceLocation)
    }
}

/// Feeds `bytes` to `decoder` in one chunk and returns the first message or error.
func firstMessage<Decoder: MessageDecoder>(
    _ decoder: inout Decoder,
    after bytes: [UInt8]
) -> Result<Decoder.Message?, FramingError> {
    decoder.feed(bytes)
    return Result { () throws(FramingError) in try decoder.next() }
}
