/// The bytes a decoder has received and not yet consumed.
///
/// Appends are amortised O(1). Consuming only moves a read index; the dead prefix is
/// dropped lazily, when an append would otherwise have to grow the storage, so feeding a
/// message one byte at a time costs time linear in its length, and the storage never
/// holds more than about twice the bytes that actually arrived.
struct InputBuffer: Sendable {
    /// Storage kept after everything was consumed, up to this size; larger storage
    /// (left over from one big message) is given back so that idle connections stay small.
    private static let retainedCapacity = 64 * 1024

    private var storage: [UInt8] = []
    private var readIndex = 0

    /// The number of unconsumed bytes.
    var count: Int { storage.count - readIndex }

    /// Whether every byte received has been consumed.
    var isEmpty: Bool { readIndex == storage.count }

    /// The size of the allocated storage, for tests that check memory stays proportional
    /// to the bytes received.
    var capacity: Int { storage.capacity }

    /// Appends a copy of `bytes`.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if readIndex > 0 {
            if readIndex == storage.count {
                storage.removeAll(keepingCapacity: storage.capacity <= Self.retainedCapacity)
                readIndex = 0
            } else if storage.count + bytes.count > storage.capacity {
                dropConsumedPrefix(making: bytes.count)
            }
        }
        storage.append(contentsOf: bytes)
    }

    /// Makes room for `additional` bytes by dropping the consumed prefix: in place when
    /// that frees at least half the storage (the move costs no more than the bytes consumed
    /// since the last move), else into new storage of twice the size needed.
    private mutating func dropConsumedPrefix(making additional: Int) {
        let needed = count + additional
        if needed <= storage.capacity / 2 {
            storage.removeSubrange(0..<readIndex)
        } else {
            var grown: [UInt8] = []
            grown.reserveCapacity(2 * needed)
            grown.append(contentsOf: storage[readIndex...])
            storage = grown
        }
        readIndex = 0
    }

    /// Calls `body` with the unconsumed bytes.
    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        storage.withUnsafeBytes { all in body(UnsafeRawBufferPointer(rebasing: all[readIndex...])) }
    }

    /// Copies `length` bytes starting `offset` bytes into the unconsumed part, then
    /// consumes everything up to their end.
    mutating func take(from offset: Int, length: Int) -> [UInt8] {
        let start = readIndex + offset
        let bytes = Array(storage[start..<start + length])
        readIndex = start + length
        return bytes
    }

    /// Consumes `length` bytes without copying them.
    mutating func skip(_ length: Int) {
        readIndex += length
    }

    /// Removes and returns every unconsumed byte, leaving the buffer empty.
    mutating func takeAll() -> [UInt8] {
        let bytes = Array(storage[readIndex...])
        storage = []
        readIndex = 0
        return bytes
    }
}
