import SocketsReactor
import SocketsSystem

/// Buffered reading and writing on a stream socket: lines, exact counts, the rest of
/// the stream — each with a maximum, so a peer can never make it buffer without bound.
///
/// The Python counterpart is `socket.makefile('rwb')`; seed 001's "recv until empty"
/// loop is ``readToEnd(maximumLength:)``. Use one `BufferedSocket` per socket, from one
/// thread at a time, and do not mix it with direct `recv` calls on the same socket
/// (bytes it buffered would be skipped).
public final class BufferedSocket {
    /// The socket read from and written to.
    public let socket: Socket
    /// How many bytes one `recv` asks for.
    public let chunkSize: Int
    private var input: [UInt8] = []
    private var inputStart = 0
    /// How far `input` has been searched for a newline, so no byte is scanned twice.
    private var scannedUpTo = 0
    private var output: [UInt8] = []
    private var reachedEnd = false
    /// Where each `recv` lands before it is appended to `input`.
    private let chunk: UnsafeMutableRawBufferPointer
    /// Receives into a buffer (the socket's `recv`, or a stream over it such as TLS).
    private let receive: (UnsafeMutableRawBufferPointer) throws(SocketError) -> Int

    /// Wraps `socket`; it keeps its blocking mode and timeout.
    public convenience init(_ socket: Socket, chunkSize: Int = 64 * 1024) {
        self.init(socket, chunkSize: chunkSize) { buffer throws(SocketError) in try socket.recv(into: buffer) }
    }

    /// Wraps a stream over `socket` that `receive` reads (TLS); writes still go to `socket`.
    package init(
        _ socket: Socket, chunkSize: Int = 64 * 1024,
        receive: @escaping (UnsafeMutableRawBufferPointer) throws(SocketError) -> Int
    ) {
        precondition(chunkSize > 0, "chunkSize must be positive")
        self.socket = socket
        self.chunkSize = chunkSize
        self.chunk = .allocate(byteCount: chunkSize, alignment: 16)
        self.receive = receive
    }

    deinit {
        chunk.deallocate()
    }

    /// Bytes received but not yet read.
    public var bufferedCount: Int { input.count - inputStart }

    /// Reads one line, without its `\n` (and without a `\r` before it).
    ///
    /// - Parameter maximumLength: The longest line accepted, terminator excluded.
    /// - Returns: The line; a last line without terminator at end of stream; nil at end of stream.
    /// - Throws: `messageTooLarge` when no newline comes within `maximumLength` bytes, or any receive error.
    ///
    /// Python: `file.readline(limit)`.
    public func readLine(maximumLength: Int = 64 * 1024) throws(SocketError) -> [UInt8]? {
        while true {
            if let newline = input[scannedUpTo...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > inputStart && input[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                guard end - inputStart <= maximumLength else { throw tooLarge("readline", maximumLength) }
                let line = Array(input[inputStart..<end])
                consume(upTo: newline + 1)
                return line
            }
            scannedUpTo = input.count
            // One byte more is fine when it is a `\r` whose `\n` has not arrived yet.
            let pendingCarriageReturn = input.last == UInt8(ascii: "\r") ? 1 : 0
            guard bufferedCount <= maximumLength + pendingCarriageReturn else { throw tooLarge("readline", maximumLength) }
            if try !fill() {
                guard bufferedCount > 0 else { return nil }
                let line = Array(input[inputStart...])
                consume(upTo: input.count)
                return line
            }
        }
    }

    /// Reads exactly `count` bytes.
    ///
    /// - Throws: `unexpectedEndOfStream` if the stream ends first, or any receive error.
    ///
    /// Python: `file.read(n)` (which returns fewer bytes at end of stream instead).
    public func read(exactly count: Int) throws(SocketError) -> [UInt8] {
        while bufferedCount < count {
            guard try fill() else {
                throw SocketError(
                    .unexpectedEndOfStream, operation: "read",
                    detail: "stream ended after \(bufferedCount) of \(count) bytes")
            }
        }
        let bytes = Array(input[inputStart..<inputStart + count])
        consume(upTo: inputStart + count)
        return bytes
    }

    /// Reads what is buffered, or else receives once: at most `maximumBytes`, empty at end of stream.
    ///
    /// Python: `file.read1(n)`.
    public func read(upTo maximumBytes: Int) throws(SocketError) -> [UInt8] {
        if bufferedCount == 0 { _ = try fill() }
        let count = min(maximumBytes, bufferedCount)
        let bytes = Array(input[inputStart..<inputStart + count])
        consume(upTo: inputStart + count)
        return bytes
    }

    /// Reads until the peer ends the stream.
    ///
    /// - Throws: `messageTooLarge` if more than `maximumLength` bytes arrive, or any receive error.
    ///
    /// Python: `file.read()`; seed 001: `while True: d = s.recv(1024); if not d: break`.
    public func readToEnd(maximumLength: Int) throws(SocketError) -> [UInt8] {
        while try fill() {
            guard bufferedCount <= maximumLength else { throw tooLarge("read", maximumLength) }
        }
        guard bufferedCount <= maximumLength else { throw tooLarge("read", maximumLength) }
        let bytes = Array(input[inputStart...])
        consume(upTo: input.count)
        return bytes
    }

    /// Queues bytes to send; sends when more than ``chunkSize`` bytes are queued.
    ///
    /// Python: `file.write(bytes)`.
    public func write(_ bytes: some Sequence<UInt8>) throws(SocketError) {
        output.append(contentsOf: bytes)
        if output.count >= chunkSize { try flush() }
    }

    /// Sends every queued byte.
    ///
    /// Python: `file.flush()`.
    public func flush() throws(SocketError) {
        guard !output.isEmpty else { return }
        defer { output.removeAll(keepingCapacity: true) }
        try socket.sendAll(output)
    }

    /// Receives once into the buffer; false at end of stream.
    private func fill() throws(SocketError) -> Bool {
        guard !reachedEnd else { return false }
        if inputStart > 0 && inputStart >= input.count / 2 {
            input.removeSubrange(0..<inputStart)
            scannedUpTo -= inputStart
            inputStart = 0
        }
        let received = try receive(chunk)
        if received == 0 {
            reachedEnd = true
            return false
        }
        input.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[..<received]))
        return true
    }

    private func consume(upTo index: Int) {
        inputStart = index
        scannedUpTo = max(scannedUpTo, index)
        if inputStart == input.count {
            input.removeAll(keepingCapacity: true)
            inputStart = 0
            scannedUpTo = 0
        }
    }

    private func tooLarge(_ operation: String, _ limit: Int) -> SocketError {
        SocketError(.messageTooLarge, operation: operation, detail: "more than \(limit) bytes")
    }
}
