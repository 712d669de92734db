import COpenSSL
import SocketsCore
import SocketsReactor
import SocketsSystem

extension TLSSocket {
    /// Runs OpenSSL `call` until it completes, parking on the socket's reactor
    /// registration whenever OpenSSL waits for the socket to become readable or writable.
    ///
    /// The readiness sequences are noted before each call, so an event that lands
    /// between the call and the park is never lost. With `parkIfDrained` (reads) it parks
    /// without calling OpenSSL when the last `recv` drained the socket and nothing has
    /// happened since (see ``step(_:endOfStream:registration:readSequence:parkIfDrained:isRead:_:)``).
    private func drive<Value>(
        _ operation: String, deadline: ContinuousClock.Instant?, endOfStream: Value? = nil, parkIfDrained: Bool = false,
        isRead: Bool = false, _ call: (OpaquePointer) -> (Int32, Value)
    ) async throws -> Value {
        guard socket.descriptor.acquire() else { throw Socket.closedError(operation) }
        defer { socket.descriptor.release() }
        var registration = socket.registrationCache.load(ordering: .acquiring)?.takeUnretainedValue()
        // The call's result once it is done, while the records it wrote wait for room.
        var unflushed: Value?
        while true {
            let readSequence = registration?.sequence(.read) ?? 0
            let writeSequence = registration?.sequence(.write) ?? 0
            let direction: ReactorRegistration.Direction
            let outcome: Step<Value>
            if let value = unflushed {
                outcome = try flushStep(operation) ? .done(value) : .wantWrite
            } else {
                outcome = try step(
                    operation, endOfStream: endOfStream, registration: registration, readSequence: readSequence,
                    parkIfDrained: parkIfDrained, isRead: isRead, call)
            }
            switch outcome {
            case .done(let value): return value
            case .unflushed(let value):
                unflushed = value
                direction = .write
            case .wantRead: direction = .read
            case .wantWrite: direction = .write
            }
            // A new registration reports the socket's current readiness as its first
            // event, so waiting "after 0" cannot miss what arrived meanwhile.
            let waiter = try registration ?? socket.registerForWaiting()
            registration = waiter
            try await waiter.wait(
                for: direction, after: direction == .read ? readSequence : writeSequence, deadline: deadline,
                operation: operation)
        }
    }

    /// Performs the handshake (a client's or a server's, as the context says) if it has
    /// not happened yet; reads and writes do it on their own, but here it has a deadline
    /// of its own and its failure is told apart from the data's.
    ///
    /// - Parameter deadline: Past it, throws ``TLSError`` `handshakeTimedOut`.
    /// - Throws: ``TLSError`` (`certificateVerifyFailed` with OpenSSL's reason,
    ///   `protocolFailure`, `truncated`, `handshakeTimedOut`), `SocketError`, `CancellationError`.
    ///
    /// The corresponding C function is `SSL_do_handshake`; Python asyncio: `await loop.start_tls(...)`.
    public func handshake(deadline: ContinuousClock.Instant? = nil) async throws {
        do {
            try await drive("tls handshake", deadline: deadline) { ssl in (SSL_do_handshake(ssl), ()) }
        } catch let error as SocketError where error.kind == .timedOut {
            throw TLSError(.handshakeTimedOut, operation: "tls handshake", address: peer, reason: "handshake timed out")
        }
    }

    /// Reads the decrypted bytes that have arrived into `buffer`, suspending until some
    /// have; returns the byte count, 0 once the peer has sent close_notify.
    ///
    /// - Throws: ``TLSError`` (`truncated` when the peer ends the TCP connection without
    ///   close_notify), `SocketError` (`timedOut` at `deadline`, `connectionReset`, `closed`),
    ///   `CancellationError`.
    ///
    /// The corresponding C function is `SSL_read_ex`; Python: `SSLSocket.recv_into`.
    public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant? = nil) async throws -> Int {
        guard buffer.count > 0 else { return 0 }
        try throwDeferredReadFailure()
        return try await drive("tls read", deadline: deadline, endOfStream: 0, parkIfDrained: true, isRead: true) { ssl in
            readRecords(ssl, buffer)
        }
    }

    /// Reads up to `maximumBytes`; empty once the peer has sent close_notify.
    ///
    /// Python: `SSLSocket.recv(n)`.
    public func read(upTo maximumBytes: Int, deadline: ContinuousClock.Instant? = nil) async throws -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maximumBytes, alignment: 1)
        defer { buffer.deallocate() }
        let count = try await read(into: buffer, deadline: deadline)
        return Array(buffer[0..<count])
    }

    /// Encrypts and sends every byte of `buffer`, suspending while the socket's send
    /// buffer is full.
    ///
    /// - Throws: ``TLSError``, `SocketError` (`connectionReset` when the peer is gone; never
    ///   `SIGPIPE`), `CancellationError`. After a failure an unknown prefix was sent.
    ///
    /// The corresponding C function is `SSL_write_ex`; Python: `SSLSocket.sendall`.
    public func write(_ buffer: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant? = nil) async throws {
        var offset = 0
        while offset < buffer.count {
            let rest = UnsafeRawBufferPointer(rebasing: buffer[offset...])
            offset += try await drive("tls write", deadline: deadline) { ssl in Self.writeRecords(ssl, rest) }
        }
    }

    /// Sends every byte of `bytes`; see ``write(_:deadline:)-(UnsafeRawBufferPointer,_)``.
    public func write(_ bytes: some Collection<UInt8>, deadline: ContinuousClock.Instant? = nil) async throws {
        let array = Array(bytes)
        let (sent, flushed) = try array.withUnsafeBytes { buffer in try writeWithoutWaiting(buffer) }
        guard sent < array.count else {
            if !flushed { try await flush(deadline: deadline) }
            return
        }
        let rest = UnsafeMutableRawBufferPointer.allocate(byteCount: array.count - sent, alignment: 1)
        defer { rest.deallocate() }
        rest.copyBytes(from: array[sent...])
        try await write(UnsafeRawBufferPointer(rest), deadline: deadline)
    }

    /// Sends the records the socket BIO still holds, suspending while the socket is full.
    func flush(deadline: ContinuousClock.Instant?) async throws {
        try await drive("tls write", deadline: deadline) { _ in (1, ()) }
    }

    /// Encrypts what the socket takes now: the count encrypted, and whether all of its
    /// records were sent (if not, the socket BIO holds the rest: flush before returning).
    private func writeWithoutWaiting(_ buffer: UnsafeRawBufferPointer) throws -> (Int, Bool) {
        guard socket.descriptor.acquire() else { throw Socket.closedError("tls write") }
        defer { socket.descriptor.release() }
        var offset = 0
        while offset < buffer.count {
            let rest = UnsafeRawBufferPointer(rebasing: buffer[offset...])
            switch try step("tls write", { ssl in Self.writeRecords(ssl, rest) }) {
            case .done(let count): offset += count
            case .unflushed(let count): return (offset + count, false)
            case .wantRead, .wantWrite: return (offset, true)
            }
        }
        return (offset, true)
    }

    /// Sends close_notify: the end of what this side writes. The peer may go on
    /// writing (TLS 1.3 keeps the other direction open); read until it ends with its own.
    ///
    /// - Throws: ``TLSError``, `SocketError`.
    ///
    /// The corresponding C function is `SSL_shutdown` (its first call); Python has no
    /// half-close (`SSLSocket.unwrap` waits for the peer).
    public func closeWrite(deadline: ContinuousClock.Instant? = nil) async throws {
        if connection.withLock({ SSL_get_shutdown($0) & SSL_SENT_SHUTDOWN != 0 }) { return }
        try await drive("tls shutdown", deadline: deadline, endOfStream: ()) { ssl in
            let result = SSL_shutdown(ssl)
            return (result == 0 ? 1 : result, ())
        }
    }

    /// Ends TLS cleanly: sends close_notify, then reads (and drops) what still arrives
    /// until the peer's close_notify. The socket stays open.
    ///
    /// - Throws: ``TLSError`` (`truncated` if the peer drops the connection instead),
    ///   `SocketError` (`timedOut` at `deadline`).
    ///
    /// The corresponding C function is `SSL_shutdown`; Python: `SSLSocket.unwrap`.
    public func shutdown(deadline: ContinuousClock.Instant? = nil) async throws {
        try await closeWrite(deadline: deadline)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        while try await read(into: buffer, deadline: deadline) > 0 {}
    }
}
