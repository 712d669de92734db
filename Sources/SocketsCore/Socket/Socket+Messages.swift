import CSockets
import SocketsReactor
import SocketsSystem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Receives one message with its sender, ancillary data and flags; a datagram
    /// longer than `maximumBytes` is cut and reported with ``ReceivedMessage/isTruncated``.
    ///
    /// - Parameters:
    ///   - maxBytes: The most data bytes to receive.
    ///   - controlCapacity: Bytes reserved for ancillary data (0: none).
    ///   - flags: Receive flags, such as ``MessageFlags/peek``.
    ///
    /// The corresponding C function is `recvmsg`; Python: `socket.recvmsg(bufsize, ancbufsize)`.
    public func recvMsg(_ maximumBytes: Int, controlCapacity: Int = 0, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedMessage
    {
        var control = [UInt8](repeating: 0, count: controlCapacity)
        var storage = sockaddr_storage()
        var header = msghdr()
        var messageFlags: Int32 = 0
        var sender: SocketAddress?
        var controlMessages: [ControlMessage] = []
        let bytes = try Self.makeBytes(capacity: maximumBytes) { buffer throws(SocketError) in
            try blockingCall("recvmsg", events: Int16(POLLIN)) { fd in
                var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    withUnsafeMutablePointer(to: &storage) { address in
                        control.withUnsafeMutableBytes { controlBuffer in
                            header.msg_name = UnsafeMutableRawPointer(address)
                            header.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                            header.msg_iov = vectorPointer
                            header.msg_iovlen = 1
                            header.msg_control = controlBuffer.count > 0 ? controlBuffer.baseAddress : nil
                            header.msg_controllen = controlBuffer.count
                            let cFlags = flags.rawValue | Int32(MSG_DONTWAIT) | Int32(MSG_CMSG_CLOEXEC)
                            let result = Syscall.recvmsg(fd, &header, cFlags)
                            if case .success = result {
                                // The kernel echoes MSG_CMSG_CLOEXEC in msg_flags; it is ours, not the message's.
                                messageFlags = header.msg_flags & ~Int32(MSG_CMSG_CLOEXEC)
                                if header.msg_namelen > 0 {
                                    sender = address.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                        SocketAddress($0, length: header.msg_namelen)
                                    }
                                }
                                controlMessages = header.msg_controllen > 0 ? ControlMessage.decode(&header) : []
                            }
                            return result
                        }
                    }
                }
            }
        }
        return ReceivedMessage(
            bytes: bytes, address: sender, controlMessages: controlMessages,
            flags: MessageFlags(rawValue: messageFlags))
    }

    /// Sends the concatenation of `buffers` as one message (scatter/gather), with
    /// ancillary data and, for unconnected datagram sockets, a destination.
    ///
    /// - Returns: The number of bytes sent.
    /// - Throws: ``SocketError``; with more buffers than `IOV_MAX` (1024 on Linux) the kernel's
    ///   `EMSGSIZE` ("message too long"), and nothing is sent — as Python raises `OSError`.
    ///
    /// The corresponding C function is `sendmsg`; Python: `socket.sendmsg(buffers, ancdata, flags, address)`.
    @discardableResult
    public func sendMsg(
        _ buffers: [[UInt8]], control: [ControlMessage] = [], to address: SocketAddress? = nil,
        flags: MessageFlags = []
    ) throws(SocketError) -> Int {
        var controlBytes = ControlMessage.encode(control)
        let send = { (name: UnsafePointer<sockaddr>?, nameLength: socklen_t) throws(SocketError) -> Int in
            try self.blockingCall("sendmsg", events: Int16(POLLOUT), address: address) { fd in
                Self.withIOVectors(buffers) { vectors in
                    controlBytes.withUnsafeMutableBytes { controlBuffer in
                        var header = msghdr()
                        header.msg_name = UnsafeMutableRawPointer(mutating: name)
                        header.msg_namelen = nameLength
                        header.msg_iov = vectors.baseAddress
                        header.msg_iovlen = vectors.count
                        header.msg_control = controlBuffer.count > 0 ? controlBuffer.baseAddress : nil
                        header.msg_controllen = controlBuffer.count
                        return Syscall.sendmsg(fd, &header, flags.rawValue | Int32(MSG_DONTWAIT))
                    }
                }
            }
        }
        guard let address else { return try send(nil, 0) }
        return try address.withSockAddr { pointer, length throws(SocketError) in try send(pointer, length) }
    }

    /// Calls `body` with an `iovec` for each buffer, made in one pass into one allocation.
    ///
    /// The pointers outlive each `withUnsafeBytes` call that produced them. That holds here:
    /// `buffers` is a constant that `withExtendedLifetime` keeps alive, and the storage of an
    /// array that is neither mutated nor released does not move (arrays on Linux are always
    /// native, never bridged). No closure nests per buffer, so any count fits on the stack;
    /// past `IOV_MAX` the kernel refuses the call with `EMSGSIZE` (Python: `OSError`), and
    /// nothing is sent.
    private static func withIOVectors<R>(
        _ buffers: [[UInt8]], _ body: (UnsafeMutableBufferPointer<iovec>) -> R
    ) -> R {
        withExtendedLifetime(buffers) {
            let vectors = UnsafeMutableBufferPointer<iovec>.allocate(capacity: buffers.count)
            defer { vectors.deallocate() }
            for (index, buffer) in buffers.enumerated() {
                let bytes = buffer.withUnsafeBytes { $0 }
                vectors.initializeElement(
                    at: index, to: iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count))
            }
            return body(vectors)
        }
    }
}
