extension Connection {
    /// Sends every byte that arrives straight back until the client half-closes
    /// (the `echo` service in raw framing, and the benchmark handler).
    ///
    /// Bytes are received into the reactor's scratch memory and sent on at once; only
    /// what the client is too slow to take is copied and waited on. An idle client
    /// therefore costs no buffer.
    public func echo() async throws {
        enum Outcome { case endOfStream, sent, pending([UInt8]) }
        let socket = state.socket
        while true {
            state.touch()
            let outcome = try await socket.readAvailable { bytes throws(SocketError) -> Outcome in
                guard !bytes.isEmpty else { return .endOfStream }
                var offset = 0
                while offset < bytes.count,
                      case .completed(let count) = try socket.trySend(UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
                    offset += count
                }
                return offset == bytes.count ? .sent : .pending(Array(bytes[offset...]))
            }
            state.touch()
            switch outcome {
            case .endOfStream: return
            case .sent: continue
            case .pending(let rest): try await write(rest)
            }
        }
    }
}
