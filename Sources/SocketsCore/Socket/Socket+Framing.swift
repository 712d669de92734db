import Framing
import SocketsReactor
import SocketsSystem

extension Socket {
    /// Sends one message under `encoder`'s framing, all of it (blocking).
    ///
    /// Seed 003: `conn.send(struct.pack('i', len(msg))); conn.sendall(msg)` is
    /// `try conn.sendMessage(msg, encoder: LengthPrefixedEncoder(.seed))`.
    /// - Throws: `FramingError` if the message cannot be framed, ``SocketError`` if sending fails.
    public func sendMessage<Encoder: MessageEncoder>(_ message: Encoder.Message, encoder: Encoder) throws {
        var bytes: [UInt8] = []
        try encoder.encode(message, into: &bytes)
        try sendAll(bytes)
    }

    /// Receives the next message under `decoder`'s framing (blocking), reading as many
    /// chunks as it takes; bytes after the message stay in the decoder for the next call.
    ///
    /// - Returns: The message, or nil when the stream ended cleanly between messages.
    /// - Throws: `FramingError` for malformed input (including a stream that ends inside a
    ///   message), ``SocketError`` if receiving fails.
    public func recvMessage<Decoder: MessageDecoder>(
        _ decoder: inout Decoder, chunkSize: Int = 64 * 1024
    ) throws -> Decoder.Message? {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            if let message = try decoder.next() { return message }
            let count = try recv(into: chunk)
            if count == 0 { return try decoder.finish() }
            decoder.feed(UnsafeRawBufferPointer(rebasing: chunk[..<count]))
        }
    }
}
