/// A decoder for any of the byte framings (``Framing``), chosen at run time, such as by
/// the CLI's `--framing`. Its messages are byte arrays.
///
/// An enum of the concrete decoders, not an existential: calls dispatch with a `switch`
/// and the buffered bytes are never copied.
public struct AnyByteMessageDecoder: MessageDecoder {
    /// One message's bytes.
    public typealias Message = [UInt8]

    private enum Base: Sendable {
        case raw(RawDecoder)
        case line(LineDecoder)
        case lengthPrefixed(LengthPrefixedDecoder)
    }

    private var base: Base

    /// The framing this decoder decodes.
    public let framing: Framing

    /// Creates a decoder for `framing`; ``Framing/makeDecoder(maximumLength:)`` says the same.
    ///
    /// - Parameters:
    ///   - framing: The framing.
    ///   - maximumLength: The largest message accepted; `nil` for the SPEC's default
    ///     (64 KiB for `line`, 16 MiB for `length` and `seed`); ignored for `raw`.
    public init(_ framing: Framing, maximumLength: Int? = nil) {
        self.framing = framing
        switch framing {
        case .raw:
            base = .raw(RawDecoder())
        case .line:
            base = .line(maximumLength.map { LineDecoder(maximumLength: $0) } ?? LineDecoder())
        case .length:
            base = .lengthPrefixed(
                maximumLength.map { LengthPrefixedDecoder(.length, maximumLength: $0) } ?? LengthPrefixedDecoder(.length)
            )
        case .seed:
            base = .lengthPrefixed(
                maximumLength.map { LengthPrefixedDecoder(.seed, maximumLength: $0) } ?? LengthPrefixedDecoder(.seed)
            )
        }
    }

    // Each mutating call moves the decoder out of `base` (leaving an empty placeholder)
    // before mutating it, so that its buffer is uniquely referenced and never copied.

    /// Appends a copy of `bytes` to the buffered input.
    ///
    /// - Parameter bytes: The next bytes of the stream.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        switch base {
        case .raw(var decoder):
            base = .raw(RawDecoder())
            decoder.feed(bytes)
            base = .raw(decoder)
        case .line(var decoder):
            base = .raw(RawDecoder())
            decoder.feed(bytes)
            base = .line(decoder)
        case .lengthPrefixed(var decoder):
            base = .raw(RawDecoder())
            decoder.feed(bytes)
            base = .lengthPrefixed(decoder)
        }
    }

    /// Returns the next complete message, or `nil` when more bytes are needed.
    ///
    /// - Throws: What the framing's decoder throws: ``LineDecoder/next()`` or
    ///   ``LengthPrefixedDecoder/next()``.
    public mutating func next() throws(FramingError) -> [UInt8]? {
        switch base {
        case .raw(var decoder):
            base = .raw(RawDecoder())
            defer { base = .raw(decoder) }
            return try decoder.next()
        case .line(var decoder):
            base = .raw(RawDecoder())
            defer { base = .line(decoder) }
            return try decoder.next()
        case .lengthPrefixed(var decoder):
            base = .raw(RawDecoder())
            defer { base = .lengthPrefixed(decoder) }
            return try decoder.next()
        }
    }

    /// Ends the stream: returns the last unterminated line for `line`, else `nil`.
    ///
    /// - Throws: ``FramingError/truncated(buffered:)`` when a `length` or `seed` stream
    ///   ended inside a message; ``FramingError/messageTooLarge(length:limit:)`` for an
    ///   over-long last line.
    public mutating func finish() throws(FramingError) -> [UInt8]? {
        switch base {
        case .raw(var decoder):
            base = .raw(RawDecoder())
            defer { base = .raw(decoder) }
            return try decoder.finish()
        case .line(var decoder):
            base = .raw(RawDecoder())
            defer { base = .line(decoder) }
            return try decoder.finish()
        case .lengthPrefixed(var decoder):
            base = .raw(RawDecoder())
            defer { base = .lengthPrefixed(decoder) }
            return try decoder.finish()
        }
    }

    /// Removes and returns the bytes not yet returned as a message.
    public mutating func takeBuffered() -> [UInt8] {
        switch base {
        case .raw(var decoder):
            base = .raw(RawDecoder())
            defer { base = .raw(decoder) }
            return decoder.takeBuffered()
        case .line(var decoder):
            base = .raw(RawDecoder())
            defer { base = .line(decoder) }
            return decoder.takeBuffered()
        case .lengthPrefixed(var decoder):
            base = .raw(RawDecoder())
            defer { base = .lengthPrefixed(decoder) }
            return decoder.takeBuffered()
        }
    }
}
