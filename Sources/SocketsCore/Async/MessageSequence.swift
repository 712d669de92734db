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

/// Messages decoded from a stream socket (``Socket/messages(_:chunkSize:)``) or another
/// ``AsyncByteStream`` (``AsyncByteStream/messages(_:chunkSize:)``).
public struct MessageSequence<Decoder: MessageDecoder>: AsyncSequence, Sendable {
    /// What the sequence yields.
    public typealias Element = Decoder.Message
    /// Where the bytes come from: a socket read on its own fast path, or any stream.
    package enum Source: Sendable {
        case socket(Socket)
        case stream(any AsyncByteStream)
    }
    package let source: Source
    package let decoder: Decoder
    package let chunkSize: Int
    package let activity: (any StreamActivity)?

    package init(socket: Socket, decoder: Decoder, chunkSize: Int, activity: (any StreamActivity)?) {
        self.init(source: .socket(socket), decoder: decoder, chunkSize: chunkSize, activity: activity)
    }

    package init(stream: any AsyncByteStream, decoder: Decoder, chunkSize: Int, activity: (any StreamActivity)?) {
        self.init(source: .stream(stream), decoder: decoder, chunkSize: chunkSize, activity: activity)
    }

    private init(source: Source, decoder: Decoder, chunkSize: Int, activity: (any StreamActivity)?) {
        self.source = source
        self.decoder = decoder
        self.chunkSize = chunkSize
        self.activity = activity
    }

    /// Starts reading; the sequence is meant to be iterated once.

    public func makeAsyncIterator() -> Iterator {
        Iterator(source: source, decoder: decoder, chunkSize: chunkSize, activity: activity)
    }

    /// Reads chunks until the decoder has a message.
    public struct Iterator: AsyncIteratorProtocol {
        let source: Source
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
            guard case .socket(let socket) = source else { return try await nextFromStream() }
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

        /// ``next()`` for a stream other than a socket: reads into a `chunkSize` buffer.
        private mutating func nextFromStream() async throws -> Decoder.Message? {
            guard case .stream(let stream) = source else { return nil }
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1)
            defer { chunk.deallocate() }
            while true {
                activity?.touch()
                let count = try await stream.read(into: chunk, deadline: nil)
                activity?.touch()
                if count == 0 {
                    finished = true
                    return try decoder.finish()
                }
                decoder.feed(UnsafeRawBufferPointer(rebasing: chunk[..<count]))
                if let message = try decoder.next() { return message }
            }
        }

        /// Bytes received but not yet decoded (see `MessageDecoder.takeBuffered()`).
        public mutating func takeBuffered() -> [UInt8] { decoder.takeBuffered() }
    }
}
