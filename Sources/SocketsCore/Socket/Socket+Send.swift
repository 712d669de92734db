import CSockets
import SocketsReactor
import SocketsSystem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Sends as many of `bytes` as the kernel takes now and returns that count, which may
    /// be less than `bytes.count`: use ``sendAll(_:flags:)-(Sequence<UInt8>,_)`` to send everything.
    ///
    /// Never raises `SIGPIPE`: writing to a connection the peer closed throws `connectionReset`.
    /// The corresponding C function is `send`; Python: `socket.send(bytes)`.
    @discardableResult
    public func send(_ bytes: some Sequence<UInt8>, flags: MessageFlags = []) throws(SocketError) -> Int {
        try Self.withBytes(bytes) { buffer throws(SocketError) in try send(buffer, flags: flags) }
    }

    /// ``send(_:flags:)`` from raw memory.
    @discardableResult
    public func send(_ buffer: UnsafeRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> Int {
        try blockingCall("send", events: Int16(POLLOUT)) { fd in
            Syscall.send(fd, buffer, flags.rawValue | Int32(MSG_DONTWAIT))
        }
    }

    /// Sends what the kernel takes without waiting, whatever the timeout mode.
    ///
    /// - Returns: The byte count sent, or `.wouldBlock` when the send buffer is full.
    public func trySend(_ buffer: UnsafeRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> IOResult<Int> {
        try withDescriptor("send") { fd throws(SocketError) in
            try Syscall.send(fd, buffer, flags.rawValue | Int32(MSG_DONTWAIT)).ioResult.get("send")
        }
    }

    /// Sends every byte, waiting while the peer is slow to read.
    ///
    /// With a ``timeout`` it bounds the whole call, not each step (as in Python 3.5+).
    /// - Throws: ``SocketError``; after a failure an unknown prefix of `bytes` was sent.
    ///
    /// Python: `socket.sendall(bytes)` (C: `send` in a loop).
    public func sendAll(_ bytes: some Sequence<UInt8>, flags: MessageFlags = []) throws(SocketError) {
        try Self.withBytes(bytes) { buffer throws(SocketError) in try sendAll(buffer, flags: flags) }
    }

    /// ``sendAll(_:flags:)`` from raw memory.
    public func sendAll(_ buffer: UnsafeRawBufferPointer, flags: MessageFlags = []) throws(SocketError) {
        var deadline: ContinuousClock.Instant?
        var offset = 0
        repeat {
            let rest = UnsafeRawBufferPointer(rebasing: buffer[offset...])
            offset += try blockingCall("send", events: Int16(POLLOUT), deadline: &deadline) { fd in
                Syscall.send(fd, rest, flags.rawValue | Int32(MSG_DONTWAIT))
            }
        } while offset < buffer.count
    }

    /// Sends one datagram to `address`.
    ///
    /// The corresponding C function is `sendto`; Python: `socket.sendto(bytes, address)`.
    @discardableResult
    public func sendTo(_ bytes: some Sequence<UInt8>, _ address: SocketAddress, flags: MessageFlags = []) throws(SocketError)
        -> Int
    {
        try Self.withBytes(bytes) { buffer throws(SocketError) in try sendTo(buffer, address, flags: flags) }
    }

    /// ``sendTo(_:_:flags:)`` from raw memory.
    @discardableResult
    public func sendTo(_ buffer: UnsafeRawBufferPointer, _ address: SocketAddress, flags: MessageFlags = []) throws(SocketError)
        -> Int
    {
        try address.withSockAddr { pointer, length throws(SocketError) in
            try blockingCall("sendto", events: Int16(POLLOUT), address: address) { fd in
                Syscall.sendto(fd, buffer, flags.rawValue | Int32(MSG_DONTWAIT), pointer, length)
            }
        }
    }

    /// ``sendTo(_:_:flags:)-(UnsafeRawBufferPointer,_,_)`` without waiting, whatever the timeout mode.
    public func trySendTo(_ buffer: UnsafeRawBufferPointer, _ address: SocketAddress, flags: MessageFlags = [])
        throws(SocketError) -> IOResult<Int>
    {
        try address.withSockAddr { pointer, length throws(SocketError) in
            try withDescriptor("sendto", address) { fd throws(SocketError) in
                try Syscall.sendto(fd, buffer, flags.rawValue | Int32(MSG_DONTWAIT), pointer, length)
                    .ioResult.get("sendto", address)
            }
        }
    }

    /// Calls `body` with contiguous memory holding `bytes` (copying only when the
    /// sequence has no contiguous storage of its own).
    package static func withBytes<R>(
        _ bytes: some Sequence<UInt8>, _ body: (UnsafeRawBufferPointer) throws(SocketError) -> R
    ) throws(SocketError) -> R {
        let direct = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(SocketError) -> R in try body(UnsafeRawBufferPointer(buffer)) }
        }
        if let direct { return try direct.get() }
        return try Array(bytes).withUnsafeBytes { buffer in
            Result { () throws(SocketError) -> R in try body(buffer) }
        }.get()
    }
}
