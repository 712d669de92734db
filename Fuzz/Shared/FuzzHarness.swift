// Shared by every fuzz target: feeds the input in several chunkings and checks the
// invariants every decoder must keep. A broken invariant traps, which libFuzzer reports
// as a crash.

/// What decoding a whole stream produced: the messages, then the error if one was thrown.
struct Outcome<Message: Equatable>: Equatable {
    var messages: [Message] = []
    var error: FramingError?
    /// The bytes still buffered when the input ran out (taken instead of finishing).
    var leftover: [UInt8] = []
}

/// Chunk sizes for feeding `input`: one byte at a time, all at once, and a pattern taken
/// from the input's first bytes so that the fuzzer explores split points too.
func chunkings(for input: UnsafeRawBufferPointer) -> [[Int]] {
    let pattern = input.prefix(8).map { Int($0 % 17) + 1 }
    return [[1], [max(1, input.count)], pattern.isEmpty ? [3] : pattern]
}

/// Feeds `input` to `decoder` in chunks of `chunkSizes` (repeated), taking out every
/// message after each chunk; at the end, takes the leftover bytes or finishes.
func decode<Decoder: MessageDecoder>(
    _ decoder: Decoder,
    _ input: UnsafeRawBufferPointer,
    chunkSizes: [Int],
    finishing: Bool
) -> Outcome<Decoder.Message> {
    var decoder = decoder
    var outcome = Outcome<Decoder.Message>()
    var offset = 0
    var chunk = 0
    do throws(FramingError) {
        while offset < input.count {
            let end = min(input.count, offset + chunkSizes[chunk % chunkSizes.count])
            decoder.feed(UnsafeRawBufferPointer(rebasing: input[offset..<end]))
            while let message = try decoder.next() {
                outcome.messages.append(message)
            }
            offset = end
            chunk += 1
        }
        if finishing {
            if let last = try decoder.finish() { outcome.messages.append(last) }
        } else {
            outcome.leftover = decoder.takeBuffered()
        }
    } catch {
        outcome.error = error
    }
    return outcome
}

/// Checks a decoder on `input`:
/// - every chunking gives the same outcome (`sameError` compares errors whose details may
///   depend on when they were detected);
/// - `isValid` holds for every message (limits);
/// - re-encoding the messages and decoding that gives the same messages, no error; and
///   when `encodingIsCanonical`, the re-encoded bytes plus the leftover are the input.
func check<Decoder: MessageDecoder>(
    _ input: UnsafeRawBufferPointer,
    decoder: Decoder,
    encode: (Decoder.Message, inout [UInt8]) throws(FramingError) -> Void,
    encodingIsCanonical: Bool,
    isValid: (Decoder.Message) -> Bool,
    sameError: (FramingError?, FramingError?) -> Bool = { $0 == $1 }
) where Decoder.Message: Equatable {
    let outcomes = chunkings(for: input).map { decode(decoder, input, chunkSizes: $0, finishing: false) }
    let reference = outcomes[0]
    for outcome in outcomes.dropFirst() {
        precondition(outcome.messages == reference.messages, "chunking changed the messages")
        precondition(sameError(outcome.error, reference.error), "chunking changed the error")
        precondition(outcome.leftover == reference.leftover, "chunking changed the leftover")
    }
    precondition(reference.messages.allSatisfy(isValid), "a message breaks the limits")

    var reencoded: [UInt8] = []
    for message in reference.messages {
        do throws(FramingError) {
            try encode(message, &reencoded)
        } catch {
            preconditionFailure("a decoded message does not encode: \(error)")
        }
    }
    let again = reencoded.withUnsafeBytes { decode(decoder, $0, chunkSizes: [max(1, $0.count)], finishing: true) }
    precondition(again.error == nil && again.messages == reference.messages, "re-encoding changed the messages")
    if encodingIsCanonical && reference.error == nil {
        precondition(reencoded + reference.leftover == Array(input), "re-encoding changed the bytes")
    }

    let finished = decode(decoder, input, chunkSizes: [max(1, input.count)], finishing: true)
    precondition(Array(finished.messages.prefix(reference.messages.count)) == reference.messages)
    if reference.error == nil && reference.leftover.isEmpty {
        precondition(finished == reference, "finish changed a complete stream")
    }
}
