import CSockets
import SocketsReactor
import SocketsSystem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Receives up to `maximumBytes` bytes; an empty result means the peer closed its side
    /// (end of stream) — or, on a datagram socket, an empty datagram.
    ///
    /// - Throws: ``SocketError``: `connectionReset`, `wouldBlock` / `timedOut` per ``timeout``, `closed`.
    ///
    /// The corresponding C function is `recv`; Python: `socket.recv(bufsize)`.
    public func recv(_ maximumBytes: Int, flags: MessageFlags = []) throws(SocketError) -> [UInt8] {
        try Self.makeBytes(capacity: maximumBytes) { buffer throws(SocketError) in
            try recv(into: buffer, flags: flags)
        }
    }

    /// Receives into `buffer` and returns how many bytes arrived (0: end of stream).
    ///
    /// With `.waitAll` on a stream socket it returns only when the buffer is full, the
    /// stream ended or a failure came after some bytes arrived (then it returns those).
    ///
    /// The corresponding C function is `recv`; Python: `socket.recv_into(buffer)`.
    public func recv(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> Int {
        guard flags.contains(.waitAll), !flags.contains(.peek), type == .stream else {
            return try blockingCall("recv", events: Int16(POLLIN)) { fd in
                Syscall.recv(fd, buffer, flags.rawValue | Int32(MSG_DONTWAIT))
            }
        }
        // MSG_WAITALL has no effect together with MSG_DONTWAIT, so the waiting is done here.
        var deadline: ContinuousClock.Instant?
        var filled = 0
        while filled < buffer.count {
            let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
            let count: Int
            do {
                count = try blockingCall("recv", events: Int16(POLLIN), deadline: &deadline) { fd in
                    Syscall.recv(fd, rest, flags.rawValue | Int32(MSG_DONTWAIT))
                }
            } catch {
                if filled > 0 { return filled }
                throw error
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// Receives whatever is already queued, without waiting, whatever the timeout mode.
    ///
    /// - Returns: The byte count (0: end of stream), or `.wouldBlock` if nothing is queued.
    public func tryRecv(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> IOResult<Int>
    {
        try withDescriptor("recv") { fd throws(SocketError) in
            try Syscall.recv(fd, buffer, flags.rawValue | Int32(MSG_DONTWAIT)).ioResult.get("recv")
        }
    }

    /// Receives one datagram of at most `maximumBytes` bytes (longer ones are cut) and its sender.
    ///
    /// The corresponding C function is `recvfrom`; Python: `socket.recvfrom(bufsize)`.
    public func recvFrom(_ maximumBytes: Int, flags: MessageFlags = []) throws(SocketError) -> (
        bytes: [UInt8], address: SocketAddress
    ) {
        var sender: SocketAddress?
        let bytes = try Self.makeBytes(capacity: maximumBytes) { buffer throws(SocketError) in
            let received = try recvFrom(into: buffer, flags: flags)
            sender = received.address
            return received.count
        }
        return (bytes, sender ?? .unix(path: ""))
    }

    /// Receives one datagram into `buffer`.
    ///
    /// - Returns: The bytes stored, the sender, and whether the datagram was longer than
    ///   `buffer` and cut (`MSG_TRUNC`; stream sockets never report truncation).
    ///
    /// The corresponding C function is `recvfrom`; Python: `socket.recvfrom_into(buffer)`.
    public func recvFrom(
        into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []
    ) throws(SocketError) -> (count: Int, address: SocketAddress, isTruncated: Bool) {
        let reportTruncation = type != .stream
        let cFlags = flags.rawValue | Int32(MSG_DONTWAIT) | (reportTruncation ? Int32(MSG_TRUNC) : 0)
        var sender: SocketAddress?
        let length = try blockingCall("recvfrom", events: Int16(POLLIN)) { fd in
            Self.recvFrom(fd, buffer, cFlags, sender: &sender)
        }
        return (min(length, buffer.count), sender ?? .unix(path: ""), length > buffer.count)
    }

    /// ``recvFrom(into:flags:)`` without waiting, whatever the timeout mode.
    public func tryRecvFrom(
        into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []
    ) throws(SocketError) -> IOResult<(count: Int, address: SocketAddress, isTruncated: Bool)> {
        let reportTruncation = type != .stream
        let cFlags = flags.rawValue | Int32(MSG_DONTWAIT) | (reportTruncation ? Int32(MSG_TRUNC) : 0)
        return try withDescriptor("recvfrom") { fd throws(SocketError) in
            var sender: SocketAddress?
            switch try Self.recvFrom(fd, buffer, cFlags, sender: &sender).ioResult.get("recvfrom") {
            case .wouldBlock: return .wouldBlock
            case .completed(let length):
                return .completed((min(length, buffer.count), sender ?? .unix(path: ""), length > buffer.count))
            }
        }
    }

    private static func recvFrom(
        _ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ flags: Int32, sender: inout SocketAddress?
    ) -> Result<Int, Errno> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                let result = Syscall.recvfrom(fd, buffer, flags, address, &length)
                if case .success = result { sender = SocketAddress(address, length: length) }
                return result
            }
        }
    }

    /// Allocates an array of up to `capacity` bytes and lets `fill` store into it.
    package static func makeBytes(
        capacity: Int, _ fill: (UnsafeMutableRawBufferPointer) throws(SocketError) -> Int
    ) throws(SocketError) -> [UInt8] {
        precondition(capacity >= 0, "a receive size cannot be negative")
        var failure: SocketError?
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            do throws(SocketError) {
                count = try fill(UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }
}
