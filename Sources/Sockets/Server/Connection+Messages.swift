import Framing

extension Connection {
    /// The messages the client sends under `decoder`'s framing; see ``Socket/messages(_:chunkSize:)``.
    public func messages<Decoder: MessageDecoder>(_ decoder: Decoder, chunkSize: Int = 16 * 1024) -> MessageSequence<Decoder> {
        if let tls = state.tls {
            return MessageSequence(stream: tls, decoder: decoder, chunkSize: chunkSize, activity: state)
        }
        return MessageSequence(socket: socket, decoder: decoder, chunkSize: chunkSize, activity: state)
    }

    /// Writes one message under `encoder`'s framing, all of it.
    public func write<Encoder: MessageEncoder>(message: Encoder.Message, encoder: Encoder) async throws {
        var bytes: [UInt8] = []
        try encoder.encode(message, into: &bytes)
        try await write(bytes)
    }
}
