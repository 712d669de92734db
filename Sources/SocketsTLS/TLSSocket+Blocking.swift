import COpenSSL
import SocketsCore
import SocketsSystem

#if canImport(Glibc)
    import Glibc
#endif

extension TLSSocket {
    /// Runs OpenSSL `call` until it completes, waiting with `poll` for the socket as its
    /// ``Socket/timeout`` says (no timeout: without limit; zero: throws `wouldBlock`).
    private func driveBlocking<Value>(
        _ operation: String, endOfStream: Value? = nil, isRead: Bool = false, _ call: (OpaquePointer) -> (Int32, Value)
    ) throws -> Value {
        guard socket.descriptor.acquire() else { throw SocketError(.closed, operation: operation, address: peer) }
        defer { socket.descriptor.release() }
        var deadline: ContinuousClock.Instant?
        // The call's result once it is done, while the records it wrote wait for room.
        var unflushed: Value?
        while true {
            let events: Int16
            let outcome: Step<Value>
            if let value = unflushed {
                outcome = try flushStep(operation) ? .done(value) : .wantWrite
            } else {
                outcome = try step(operation, endOfStream: endOfStream, isRead: isRead, call)
            }
            switch outcome {
            case .done(let value): return value
            case .unflushed(let value):
                unflushed = value
                events = Int16(POLLOUT)
            case .wantRead: events = Int16(POLLIN)
            case .wantWrite: events = Int16(POLLOUT)
            }
            try socket.waitUntilReady(
                socket.descriptor.raw, events: events, operation: operation, address: peer, deadline: &deadline)
        }
    }

    /// Performs the handshake, blocking (see ``handshake(deadline:)``); the socket's
    /// timeout bounds it.
    ///
    /// - Throws: ``TLSError`` (`handshakeTimedOut` when the timeout expires), `SocketError`.
    ///
    /// The corresponding C function is `SSL_do_handshake`; Python: `SSLSocket.do_handshake`.
    public func doHandshake() throws {
        do {
            try driveBlocking("tls handshake") { ssl in (SSL_do_handshake(ssl), ()) }
        } catch let error as SocketError where error.kind == .timedOut {
            throw TLSError(.handshakeTimedOut, operation: "tls handshake", address: peer, reason: "handshake timed out")
        }
    }

    /// Receives decrypted bytes into `buffer`, blocking; 0 once the peer has sent close_notify.
    ///
    /// - Throws: ``TLSError`` (`truncated`), `SocketError` (`timedOut`, `wouldBlock`, `connectionReset`).
    ///
    /// The corresponding C function is `SSL_read_ex`; Python: `SSLSocket.recv_into`.
    public func recv(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        try throwDeferredReadFailure()
        return try driveBlocking("tls recv", endOfStream: 0, isRead: true) { ssl in readRecords(ssl, buffer) }
    }

    /// Receives up to `maximumBytes`, blocking; empty once the peer has sent close_notify.
    ///
    /// Python: `SSLSocket.recv(n)`.
    public func recv(_ maximumBytes: Int) throws -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maximumBytes, alignment: 1)
        defer { buffer.deallocate() }
        let count = try recv(into: buffer)
        return Array(buffer[0..<count])
    }

    /// Sends every byte of `buffer`, blocking.
    ///
    /// - Throws: ``TLSError``, `SocketError` (`connectionReset`; never `SIGPIPE`).
    ///
    /// The corresponding C function is `SSL_write_ex`; Python: `SSLSocket.sendall`.
    public func sendAll(_ buffer: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < buffer.count {
            let rest = UnsafeRawBufferPointer(rebasing: buffer[offset...])
            offset += try driveBlocking("tls send") { ssl in Self.writeRecords(ssl, rest) }
        }
    }

    /// Sends every byte of `bytes`, blocking. Python: `SSLSocket.sendall`.
    public func sendAll(_ bytes: some Collection<UInt8>) throws {
        try Array(bytes).withUnsafeBytes { buffer in try sendAll(buffer) }
    }

    /// Ends TLS cleanly, blocking: sends close_notify and reads until the peer's.
    ///
    /// - Throws: ``TLSError`` (`truncated`), `SocketError`.
    ///
    /// The corresponding C function is `SSL_shutdown`; Python: `SSLSocket.unwrap`.
    public func unwrap() throws {
        try sendCloseNotify()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        while try recv(into: buffer) > 0 {}
    }

    /// Sends close_notify, blocking; the peer may go on writing (see ``closeWrite(deadline:)``).
    ///
    /// The corresponding C function is `SSL_shutdown` (its first call).
    public func sendCloseNotify() throws {
        if connection.withLock({ SSL_get_shutdown($0) & SSL_SENT_SHUTDOWN != 0 }) { return }
        try driveBlocking("tls shutdown", endOfStream: ()) { ssl in
            let result = SSL_shutdown(ssl)
            return (result == 0 ? 1 : result, ())
        }
    }

    /// Whether a read would return at once: decrypted bytes are buffered, or the records
    /// that have arrived hold data, the peer's close_notify or an error (which the read
    /// then reports). Records without data, such as TLS 1.3 session tickets, are
    /// processed and do not count. Never waits.
    ///
    /// The corresponding C function is `SSL_peek_ex`; Python: `SSLSocket.pending()`, and `select` on the socket.
    public var isReadable: Bool {
        guard socket.descriptor.acquire() else { return true }
        defer { socket.descriptor.release() }
        var byte: UInt8 = 0
        let outcome = try? step("tls peek", endOfStream: 0, isRead: true) { ssl in
            var count = 0
            return (SSL_peek_ex(ssl, &byte, 1, &count), count)
        }
        switch outcome {
        case .wantRead?, .wantWrite?: return false
        case .done?, .unflushed?, nil: return true
        }
    }
}
