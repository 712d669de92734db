/// The `raw` framing's decoder: no boundaries, every fed chunk is one message.
///
/// This is what the seed programs do with `conn.recv(1024)`: each read is taken as one
/// message, so messages the peer sent separately may arrive merged or split (seed 003's
/// 粘包 lesson). An empty chunk yields no message.
public struct RawDecoder: MessageDecoder {
    /// One chunk, as it was fed.
    public typealias Message = [UInt8]

    private var pending: [[UInt8]] = []
    private var nextIndex = 0

    /// Creates a decoder with nothing pending.
    public init() {}

    /// Queues a copy of `bytes` as one message, unless it is empty.
    ///
    /// - Parameter bytes: What one read returned.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        pending.append(Array(bytes))
    }

    /// Returns the oldest chunk not yet returned, or `nil`. Never throws.
    public mutating func next() throws(FramingError) -> [UInt8]? {
        guard nextIndex < pending.count else { return nil }
        let message = pending[nextIndex]
        pending[nextIndex] = []
        nextIndex += 1
        if nextIndex == pending.count {
            pending.removeAll(keepingCapacity: true)
            nextIndex = 0
        }
        return message
    }

    /// Returns `nil`: a raw stream cannot end inside a message. Never throws.
    public mutating func finish() throws(FramingError) -> [UInt8]? {
        nil
    }

    /// Removes and returns the chunks not yet returned, concatenated.
    public mutating func takeBuffered() -> [UInt8] {
        let bytes = Array(pending[nextIndex...].joined())
        pending = []
        nextIndex = 0
        return bytes
    }
}
