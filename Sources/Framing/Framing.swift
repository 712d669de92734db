/// The byte framings of SPEC §3, as the CLI's `--framing` names them.
public enum Framing: String, Sendable, CaseIterable {
    /// No boundaries: each read is one message, like the seeds' `conn.recv(1024)`.
    case raw
    /// Message bytes then `\n`; a `\r` before it is dropped.
    case line
    /// A 4-byte unsigned big-endian length, then that many bytes.
    case length
    /// A 4-byte signed little-endian length, then that many bytes: seed 003's
    /// `struct.pack('i', len(data))`.
    case seed

    /// Creates a decoder for this framing.
    ///
    /// - Parameter maximumLength: The largest message accepted; `nil` for the SPEC's
    ///   default (64 KiB for `line`, 16 MiB for `length` and `seed`). `raw` has no limit:
    ///   a raw message is whatever one read returned.
    /// - Returns: A decoder whose messages are byte arrays.
    public func makeDecoder(maximumLength: Int? = nil) -> AnyByteMessageDecoder {
        AnyByteMessageDecoder(self, maximumLength: maximumLength)
    }

    /// Appends `message`, framed, to `buffer`.
    ///
    /// - Parameters:
    ///   - message: The message's bytes; for `line`, without its `\n` (see ``LineEncoder``).
    ///   - buffer: The output.
    /// - Throws: ``FramingError/messageTooLarge(length:limit:)`` when the message does not
    ///   fit a `length` or `seed` field, ``FramingError/lineBreakInMessage(offset:)`` when a
    ///   `line` message contains `\n`.
    public func encode(_ message: some Collection<UInt8>, into buffer: inout [UInt8]) throws(FramingError) {
        switch self {
        case .raw: RawEncoder().encode(bytes: message, into: &buffer)
        case .line: try LineEncoder().encode(bytes: message, into: &buffer)
        case .length: try LengthPrefixedEncoder(.length).encode(bytes: message, into: &buffer)
        case .seed: try LengthPrefixedEncoder(.seed).encode(bytes: message, into: &buffer)
        }
    }
}
