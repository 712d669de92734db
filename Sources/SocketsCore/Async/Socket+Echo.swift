import SocketsSystem

extension Socket {
    /// Sends every byte that arrives straight back until the peer half-closes (the
    /// `echo` service in raw framing, and the benchmark handler).
    ///
    /// Bytes are received into the reactor's scratch memory and sent on at once; only
    /// what the peer is too slow to take is copied and waited on. An idle peer
    /// therefore costs no buffer.
    ///
    /// - Throws: ``SocketError`` when reading or writing fails; `CancellationError`.
    public func echo() async throws {
        try await echo(activity: nil)
    }

    /// ``echo()``, telling `activity` before and after each read.
    package func echo(activity: (any StreamActivity)?) async throws {
        enum Outcome {
            case endOfStream, sent
            case pending([UInt8])
        }
        while true {
            activity?.touch()
            let outcome = try await readAvailable { bytes throws(SocketError) -> Outcome in
                guard !bytes.isEmpty else { return .endOfStream }
                var offset = 0
                while offset < bytes.count,
                    case .completed(let count) = try trySend(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                {
                    offset += count
                }
                return offset == bytes.count ? .sent : .pending(Array(bytes[offset...]))
            }
            activity?.touch()
            switch outcome {
            case .endOfStream: return
            case .sent: continue
            case .pending(let rest): try await writeRemainder(rest)
            }
        }
    }

    /// The rare path of ``echo(activity:)``: what the peer was too slow to take. Not
    /// inlined, so that the echo loop's frame, which every idle connection keeps, does
    /// not hold the write's locals.
    @inline(never)
    private func writeRemainder(_ rest: [UInt8]) async throws {
        try await write(rest)
    }
}
