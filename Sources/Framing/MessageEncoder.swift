/// An encoder that frames messages for a stream: it appends one framed message to an
/// output buffer, ready to be written with Python's `sendall` or our `write(_:)`.
public protocol MessageEncoder<Message>: Sendable {
    /// What one message is.
    associatedtype Message

    /// Appends `message`, framed, to the end of `buffer`.
    ///
    /// - Parameters:
    ///   - message: The message to frame.
    ///   - buffer: The output; bytes already in it are kept.
    /// - Throws: ``FramingError`` when the framing cannot carry the message (for example a
    ///   length that does not fit the length field). `buffer` is unchanged then.
    func encode(_ message: Message, into buffer: inout [UInt8]) throws(FramingError)
}
