import Framing
import SocketsReactor
import SocketsSystem

extension Socket {
    /// The messages arriving on this stream under `decoder`'s framing, as an async sequence.
    ///
    /// ```swift
    /// for try await line in socket.messages(LineDecoder()) { … }
    /// ```
    /// The sequence ends when the peer ends the stream between messages; it throws
    /// `FramingError` for malformed input (a stream ending inside a message included).
    public func messages<Decoder: MessageDecoder>(_ decoder: Decoder, chunkSize: Int = 16 * 1024) -> MessageSequence<Decoder> {
        MessageSequence(socket: self, decoder: decoder, chunkSize: chunkSize, activity: nil)
    }

    /// Writes one message under `encoder`'s framing, all of it.
    public func write<Encoder: MessageEncoder>(message: Encoder.Message, encoder: Encoder) async throws {
        var bytes: [UInt8] = []
        try encoder.encode(message, into: &bytes)
        try await write(bytes)
    }
}

/// Told each time a stream a ``MessageSequence`` reads makes progress (a server's
/// idle clock).
package protocol StreamActivity: AnyObject, Sendable {
    /// The stream was read from, or is about to be.
    func touch()
}

/// Messages decoded from a stream socket (``Socket/messages(_:chunkSize:)``).
public struct MessageSequence<Decoder: MessageDecoder>: AsyncSequence, Sendable {
    /// What the sequence yields.
    public typealias Element = Decoder.Message
    package let socket: Socket
    package let decoder: Decoder
    package let chunkSize: Int
    package let activity: (any StreamActivity)?

    package init(socket: Socket, decoder: Decoder, chunkSize: Int, activity: (any StreamActivity)?) {
        self.socket = socket
        self.decoder = decoder
        self.chunkSize = chunkSize
        self.activity = activity
    }

    /// Starts reading; the sequence is meant to be iterated once.

    public func makeAsyncIterator() -> Iterator {
        Iterator(socket: socket, decoder: decoder, chunkSize: chunkSize, activity: activity)
    }

    /// Reads chunks until the decoder has a message.
    public struct Iterator: AsyncIteratorProtocol {
        let socket: Socket
        var decoder: Decoder
        let chunkSize: Int
        let activity: (any StreamActivity)?
        var finished = false

        /// The next element, or nil at the end.

        ///
        /// On a reactor thread the bytes are received into the reactor's scratch memory
        /// and copied into the decoder at once, so a connection waiting for its next
        /// message holds no receive buffer; elsewhere a `chunkSize` buffer is used.
        public mutating func next() async throws -> Decoder.Message? {
            if finished { return nil }
            if let message = try decoder.next() { return message }
            let chunk =
                Reactor.current == nil ? UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1) : nil
            defer { chunk?.deallocate() }
            while true {
                activity?.touch()
                let ended = try await socket.readAvailable(into: chunk) { bytes throws(SocketError) -> Bool in
                    if bytes.isEmpty { return true }
                    decoder.feed(bytes)
                    return false
                }
                activity?.touch()
                if ended {
                    finished = true
                    return try decoder.finish()
                }
                if let message = try decoder.next() { return message }
            }
        }

        /// Bytes received but not yet decoded (see `MessageDecoder.takeBuffered()`).
        public mutating func takeBuffered() -> [UInt8] { decoder.takeBuffered() }
    }
}
