import Framing

/// A connected byte stream read and written asynchronously: a ``Socket``, or a TLS
/// connection over one. Framing (``messages(_:chunkSize:)``, ``write(message:encoder:deadline:)``)
/// works on any of them.
///
/// The requirements are the streams' own concrete methods; code that knows it has a
/// `Socket` calls those directly.
public protocol AsyncByteStream: AnyObject, Sendable {
    /// Reads what has arrived into `buffer`, suspending until something has; 0 at end of stream.
    ///
    /// - Throws: The stream's errors (`SocketError`, a TLS error), `CancellationError`.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant?) async throws -> Int

    /// Writes every byte of `buffer`, suspending while the peer is slow to read.
    ///
    /// - Throws: The stream's errors (`SocketError`, a TLS error), `CancellationError`.
    func write(_ buffer: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant?) async throws
}

extension Socket: AsyncByteStream {}

extension AsyncByteStream {
    /// The messages arriving on this stream under `decoder`'s framing (see ``Socket/messages(_:chunkSize:)``).
    public func messages<Decoder: MessageDecoder>(_ decoder: Decoder, chunkSize: Int = 16 * 1024) -> MessageSequence<Decoder> {
        MessageSequence(stream: self, decoder: decoder, chunkSize: chunkSize, activity: nil)
    }

    /// Writes one message under `encoder`'s framing, all of it.
    ///
    /// - Throws: `FramingError` if the message cannot be framed, or the stream's errors.
    public func write<Encoder: MessageEncoder>(
        message: Encoder.Message, encoder: Encoder, deadline: ContinuousClock.Instant? = nil
    ) async throws {
        var bytes: [UInt8] = []
        try encoder.encode(message, into: &bytes)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        try await write(UnsafeRawBufferPointer(buffer), deadline: deadline)
    }
}
