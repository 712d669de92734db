/// An incremental decoder: feed it the chunks a stream delivers, in any sizes, and take
/// the complete messages out.
///
/// The usual loop, here on a blocking socket of the `Sockets` module (Python's `recv(n)`),
/// with `handle` standing for your code:
///
/// ```swift
/// var decoder = LineDecoder()
/// while case let chunk = try socket.recv(65536), !chunk.isEmpty {
///     decoder.feed(chunk)
///     while let line = try decoder.next() {
///         handle(line)
///     }
/// }
/// if let last = try decoder.finish() {
///     handle(last)
/// }
/// ```
///
/// This is what solves seed 003's "sticky packet" (粘包) problem: a read may hold part of
/// a message, or several messages, and the decoder finds the boundaries.
public protocol MessageDecoder<Message>: Sendable {
    /// What one decoded message is.
    associatedtype Message: Sendable

    /// Appends received bytes, copying them into the decoder's buffer.
    ///
    /// - Parameter bytes: The next bytes of the stream, any number of them, even none.
    mutating func feed(_ bytes: UnsafeRawBufferPointer)

    /// Returns the next complete message, or `nil` when more bytes are needed.
    ///
    /// Call it until it returns `nil` after every ``feed(_:)``.
    ///
    /// - Throws: ``FramingError`` when the input breaks the framing. After a throw the
    ///   decoder is unusable: close the connection.
    mutating func next() throws(FramingError) -> Message?

    /// Ends the stream: call it at end of stream, after ``next()`` returned `nil`.
    ///
    /// - Returns: A last message if the framing allows an unterminated one (`line`: the
    ///   last line without its newline), else `nil`.
    /// - Throws: ``FramingError/truncated(buffered:)`` when the stream ended inside a
    ///   message.
    mutating func finish() throws(FramingError) -> Message?

    /// Removes and returns the bytes buffered but not yet returned as a message.
    ///
    /// Lets a caller switch from framed to raw reads mid-stream, for example to stream a
    /// file body that follows a header. The decoder is empty afterwards.
    mutating func takeBuffered() -> [UInt8]
}

extension MessageDecoder {
    /// Appends received bytes from any byte sequence, such as an `Array`, an
    /// `ArraySlice` or `String.UTF8View`.
    ///
    /// Contiguous collections are copied directly; other sequences are gathered first.
    ///
    /// - Parameter bytes: The next bytes of the stream.
    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        let fedContiguously: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            self.feed(UnsafeRawBufferPointer(buffer))
        }
        if fedContiguously == nil {
            Array(bytes).withUnsafeBytes { self.feed($0) }
        }
    }
}
