import CSockets
import SocketsReactor
import SocketsSystem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Reads whatever has arrived into `buffer`, suspending (not blocking a thread)
    /// until something has; returns the byte count, 0 at end of stream.
    ///
    /// The system call is tried first; the task parks on the reactor only when it
    /// reports `EAGAIN`.
    /// - Parameters:
    ///   - buffer: Where the bytes go; at most its count are read.
    ///   - deadline: Throw `SocketError` `timedOut` if nothing arrives by then.
    /// - Throws: ``SocketError`` (`connectionReset`, `closed`, `timedOut`, …) or
    ///   `CancellationError` when the task is cancelled while waiting.
    ///
    /// Python asyncio: `await loop.sock_recv_into(sock, buf)`.
    public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant? = nil) async throws -> Int {
        try await readAvailable(into: buffer, deadline: deadline) { bytes throws(SocketError) in bytes.count }
    }

    /// Reads up to `maximumBytes` (see ``read(into:deadline:)``); empty at end of stream.
    ///
    /// Python asyncio: `await reader.read(n)`.
    public func read(upTo maximumBytes: Int, deadline: ContinuousClock.Instant? = nil) async throws -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maximumBytes, alignment: 1)
        defer { buffer.deallocate() }
        let count = try await read(into: buffer, deadline: deadline)
        return Array(buffer[0..<count])
    }

    /// Reads exactly `count` bytes.
    ///
    /// - Throws: ``SocketError`` `unexpectedEndOfStream` if the stream ends first.
    ///
    /// Python asyncio: `await reader.readexactly(n)`.
    public func read(exactly count: Int, deadline: ContinuousClock.Instant? = nil) async throws -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
        defer { buffer.deallocate() }
        var filled = 0
        while filled < count {
            let received = try await read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), deadline: deadline)
            guard received > 0 else {
                throw SocketError(
                    .unexpectedEndOfStream, operation: "read",
                    detail: "stream ended after \(filled) of \(count) bytes")
            }
            filled += received
        }
        return Array(buffer)
    }

    /// Writes every byte of `buffer`, suspending while the kernel's send buffer is
    /// full — that suspension is the backpressure a slow reader exerts.
    ///
    /// - Throws: ``SocketError`` (`connectionReset` when the peer is gone; never `SIGPIPE`),
    ///   `CancellationError`. After a failure an unknown prefix was written.
    ///
    /// Python asyncio: `await loop.sock_sendall(sock, data)`.
    public func write(_ buffer: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant? = nil) async throws {
        guard descriptor.acquire() else { throw SocketError(.closed, operation: "write") }
        defer { descriptor.release() }
        let fd = descriptor.raw
        var offset = 0
        var registration: ReactorRegistration?
        while offset < buffer.count {
            let sequence = registration?.sequence(.write) ?? 0
            switch Syscall.send(fd, UnsafeRawBufferPointer(rebasing: buffer[offset...]), Int32(MSG_DONTWAIT)) {
            case .success(let count):
                offset += count
            case .failure(.resourceTemporarilyUnavailable):
                if let registration {
                    try await registration.wait(for: .write, after: sequence, deadline: deadline, operation: "write")
                } else {
                    // Registering reports the current state as a first event, so nothing is missed.
                    let new = try self.registration()
                    registration = new
                }
            case .failure(let errno):
                throw SocketError("write", errno: errno)
            }
        }
    }

    /// Writes every byte of `bytes`; see ``write(_:deadline:)-(UnsafeRawBufferPointer,_)``.
    ///
    /// What the kernel accepts at once is sent straight from `bytes`; only a remainder
    /// that has to wait for buffer space is copied.
    public func write(_ bytes: some Collection<UInt8>, deadline: ContinuousClock.Instant? = nil) async throws {
        let array = Array(bytes)
        let sent = try array.withUnsafeBytes { buffer throws(SocketError) -> Int in
            var offset = 0
            while offset < buffer.count,
                case .completed(let count) = try trySend(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
            {
                offset += count
            }
            return offset
        }
        guard sent < array.count else { return }
        let rest = UnsafeMutableRawBufferPointer.allocate(byteCount: array.count - sent, alignment: 1)
        defer { rest.deallocate() }
        rest.copyBytes(from: array[sent...])
        try await write(UnsafeRawBufferPointer(rest), deadline: deadline)
    }
}
