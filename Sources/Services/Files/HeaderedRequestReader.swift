import Framing
import Sockets

/// Reads JSON-header requests whose bodies may be too large to hold in memory: the
/// header as a message, then the body in chunks, straight from the socket.
///
/// The header is framed exactly as a JSON-header message's (a 4-byte big-endian length,
/// then the JSON), so a `LengthPrefixedDecoder` finds it. Bytes the decoder read past
/// the header are the body's start: ``readBody(count:_:)`` takes them first
/// (`takeBuffered()`), then reads the socket no further than the body's end, and hands
/// any bytes beyond it (a pipelined next request) back to the decoder.
///
/// It owns its read buffer, so it cannot be copied; the buffer is freed with it.
struct HeaderedRequestReader: ~Copyable {
    /// The largest chunk read from the socket at once.
    static let chunkSize = 256 * 1024

    let connection: Connection
    private var decoder = LengthPrefixedDecoder(.length, maximumLength: JSONHeaderMessage.maximumHeaderLength)
    private let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)

    /// Reads from `connection`.
    init(_ connection: Connection) {
        self.connection = connection
    }

    deinit {
        chunk.deallocate()
    }

    /// The next request's header bytes, or `nil` when the client ended the stream
    /// between requests.
    ///
    /// - Throws: `FramingError` for a header over 64 KiB or a stream that ends inside a
    ///   header; ``SocketError`` when reading fails.
    mutating func nextHeader() async throws -> [UInt8]? {
        while true {
            if let header = try decoder.next() { return header }
            let count = try await connection.read(into: chunk)
            if count == 0 { return try decoder.finish() }
            decoder.feed(UnsafeRawBufferPointer(rebasing: chunk[..<count]))
        }
    }

    /// Reads exactly `count` body bytes, handing them to `consume` chunk by chunk.
    ///
    /// - Throws: ``SocketError`` `unexpectedEndOfStream` when the stream ends first,
    ///   any other read error, or what `consume` throws.
    mutating func readBody(count: Int, _ consume: (UnsafeRawBufferPointer) async throws -> Void) async throws {
        var remaining = count
        let buffered = decoder.takeBuffered()
        let taken = min(buffered.count, remaining)
        decoder.feed(buffered[taken...])
        var offset = 0
        while offset < taken {
            let piece = min(taken - offset, chunk.count)
            chunk.copyBytes(from: buffered[offset..<offset + piece])
            try await consume(UnsafeRawBufferPointer(rebasing: chunk[..<piece]))
            offset += piece
        }
        remaining -= taken
        while remaining > 0 {
            let received = try await connection.read(
                into: UnsafeMutableRawBufferPointer(rebasing: chunk[..<min(remaining, chunk.count)]))
            guard received > 0 else {
                throw SocketError(
                    .unexpectedEndOfStream, operation: "read",
                    detail: "stream ended after \(count - remaining) of \(count) body bytes")
            }
            try await consume(UnsafeRawBufferPointer(rebasing: chunk[..<received]))
            remaining -= received
        }
    }
}
