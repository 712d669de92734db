import CSockets
import SocketsReactor
import SocketsSystem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// One received datagram.
public struct Datagram: Sendable, Hashable {
    /// The payload (at most the receiver's maximum size).
    public var bytes: [UInt8]
    /// The sender's address (Python: the `address` of `recvfrom`).
    public var address: SocketAddress
    /// Whether the datagram was longer than the maximum size and was cut.
    public var isTruncated: Bool

    /// Creates a datagram.
    public init(bytes: [UInt8], address: SocketAddress, isTruncated: Bool = false) {
        self.bytes = bytes
        self.address = address
        self.isTruncated = isTruncated
    }
}

extension Socket {
    /// Receives one datagram into `buffer`, suspending until one arrives.
    ///
    /// - Returns: The bytes stored, the sender, and whether the datagram was cut.
    /// - Throws: ``SocketError``, `CancellationError`.
    ///
    /// Python asyncio: `await loop.sock_recvfrom_into(sock, buf)`.
    public func receive(
        into buffer: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant? = nil
    ) async throws -> (count: Int, address: SocketAddress, isTruncated: Bool) {
        guard descriptor.acquire() else { throw SocketError(.closed, operation: "recvfrom") }
        defer { descriptor.release() }
        let registration = try registration()
        while true {
            let sequence = registration.sequence(.read)
            if case .completed(let datagram) = try tryRecvFrom(into: buffer) { return datagram }
            try await registration.wait(for: .read, after: sequence, deadline: deadline, operation: "recvfrom")
        }
    }

    /// Sends one datagram to `address`, suspending while the send buffer is full.
    ///
    /// Python asyncio: `await loop.sock_sendto(sock, data, address)`.
    public func send(_ buffer: UnsafeRawBufferPointer, to address: SocketAddress, deadline: ContinuousClock.Instant? = nil)
        async throws
    {
        guard descriptor.acquire() else { throw SocketError(.closed, operation: "sendto", address: address) }
        defer { descriptor.release() }
        var registration: ReactorRegistration?
        while true {
            let sequence = registration?.sequence(.write) ?? 0
            if case .completed = try trySendTo(buffer, address) { return }
            if let registration {
                try await registration.wait(for: .write, after: sequence, deadline: deadline, operation: "sendto")
            } else {
                registration = try self.registration()
            }
        }
    }

    /// Sends one datagram to `address`; see ``send(_:to:deadline:)-(UnsafeRawBufferPointer,_,_)``.
    public func send(_ bytes: [UInt8], to address: SocketAddress, deadline: ContinuousClock.Instant? = nil) async throws {
        // Almost always the datagram leaves at once: straight from the array's storage.
        // Only a wait for room needs memory that outlives this call's frame: a copy.
        if try sendWithoutWaiting(bytes, to: address) { return }
        let pinned = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { pinned.deallocate() }
        pinned.copyBytes(from: bytes)
        try await send(UnsafeRawBufferPointer(pinned), to: address, deadline: deadline)
    }

    /// Sends `bytes` to `address` if the socket takes it now; false when it would block.
    ///
    /// - Throws: ``SocketError`` (boxed: called from an async function).
    @inline(never)
    private func sendWithoutWaiting(_ bytes: [UInt8], to address: SocketAddress) throws -> Bool {
        let result = try bytes.withUnsafeBytes { buffer throws(SocketError) in try trySendTo(buffer, address) }
        if case .completed = result { return true }
        return false
    }

    /// The datagrams arriving on this socket, received in batches with `recvmmsg`.
    ///
    /// - Parameters:
    ///   - maximumSize: Longer datagrams are cut and marked ``Datagram/isTruncated``.
    ///   - batch: How many datagrams one system call may return.
    public func datagrams(maximumSize: Int = 65_535, batch: Int = 32) -> DatagramSequence {
        DatagramSequence(socket: self, maximumSize: maximumSize, batch: batch)
    }

    /// Receives up to `batch.capacity` datagrams without waiting; 0 if none is queued.
    func receiveBatch(_ batch: DatagramBatch) throws(SocketError) -> Int {
        try withDescriptor("recvmmsg") { fd throws(SocketError) in
            switch try batch.receive(fd).ioResult.get("recvmmsg") {
            case .wouldBlock: return 0
            case .completed(let count): return count
            }
        }
    }
}

/// The datagrams arriving on a socket (``Socket/datagrams(maximumSize:batch:)``).
public struct DatagramSequence: AsyncSequence, Sendable {
    /// What the sequence yields.
    public typealias Element = Datagram
    package let socket: Socket
    package let maximumSize: Int
    package let batch: Int

    /// Starts reading; the sequence is meant to be iterated once.

    public func makeAsyncIterator() -> Iterator {
        Iterator(socket: socket, batch: DatagramBatch(capacity: batch, maximumSize: maximumSize))
    }

    /// Returns buffered datagrams first; receives a new batch when they run out.
    public struct Iterator: AsyncIteratorProtocol {
        let socket: Socket
        let batch: DatagramBatch
        var received = 0
        var next = 0

        /// The next element, or nil at the end.

        public mutating func next() async throws -> Datagram? {
            while next == received {
                guard socket.descriptor.acquire() else { throw SocketError(.closed, operation: "recvmmsg") }
                defer { socket.descriptor.release() }
                let registration = try socket.registration()
                let sequence = registration.sequence(.read)
                received = try socket.receiveBatch(batch)
                next = 0
                if received == 0 {
                    try await registration.wait(for: .read, after: sequence, deadline: nil, operation: "recvmmsg")
                }
            }
            defer { next += 1 }
            return batch.datagram(at: next)
        }
    }
}

/// Preallocated buffers and headers for `recvmmsg`.
final class DatagramBatch {
    package let capacity: Int
    package let maximumSize: Int
    private let storage: UnsafeMutableRawBufferPointer
    private let addresses: UnsafeMutableBufferPointer<sockaddr_storage>
    private let vectors: UnsafeMutableBufferPointer<iovec>
    private let headers: UnsafeMutableBufferPointer<csockets_mmsghdr>
    /// The entries the last ``receive(_:)`` filled.
    private var filled = 0
    private static let addressSize = socklen_t(MemoryLayout<sockaddr_storage>.size)

    package init(capacity: Int, maximumSize: Int) {
        self.capacity = max(capacity, 1)
        self.maximumSize = maximumSize
        storage = .allocate(byteCount: self.capacity * maximumSize, alignment: 16)
        addresses = .allocate(capacity: self.capacity)
        vectors = .allocate(capacity: self.capacity)
        headers = .allocate(capacity: self.capacity)
        for index in 0..<self.capacity {
            vectors[index] = iovec(iov_base: storage.baseAddress! + index * maximumSize, iov_len: maximumSize)
            var header = msghdr()
            header.msg_name = UnsafeMutableRawPointer(addresses.baseAddress! + index)
            header.msg_namelen = Self.addressSize
            header.msg_iov = vectors.baseAddress! + index
            header.msg_iovlen = 1
            headers[index] = csockets_mmsghdr(msg_hdr: header, msg_len: 0)
        }
    }

    deinit {
        storage.deallocate()
        addresses.deallocate()
        vectors.deallocate()
        headers.deallocate()
    }

    /// Receives up to ``capacity`` datagrams. The headers are set up once; the kernel
    /// changes only the address lengths of the entries it fills (and their outputs), so
    /// only those are reset: a wake-up for one datagram does not rewrite the whole batch.
    package func receive(_ fd: Int32) -> Result<Int, Errno> {
        for index in 0..<filled {
            headers[index].msg_hdr.msg_namelen = Self.addressSize
            vectors[index].iov_len = maximumSize
        }
        let result = Syscall.recvmmsg(fd, headers.baseAddress!, capacity, Int32(MSG_DONTWAIT))
        filled = (try? result.get()) ?? 0
        return result
    }

    /// Sends the received datagrams at `indices` back to their senders (`sendmmsg`); returns
    /// those left when the send buffer is full, or nil. A datagram whose reply the kernel
    /// refuses (an unreachable sender, a reply too large) is dropped, as UDP would.
    package func sendBack(_ fd: Int32, _ indices: Range<Int>) -> Range<Int>? {
        for index in indices { vectors[index].iov_len = Int(headers[index].msg_len) }
        var next = indices.lowerBound
        while next < indices.upperBound {
            switch Syscall.sendmmsg(fd, headers.baseAddress! + next, indices.upperBound - next, Int32(MSG_DONTWAIT)) {
            case .success(let sent): next += max(sent, 1)
            case .failure(.resourceTemporarilyUnavailable): return next..<indices.upperBound
            case .failure: next += 1
            }
        }
        return nil
    }

    package func datagram(at index: Int) -> Datagram {
        let header = headers[index]
        let length = Int(header.msg_len)
        let bytes = Array(UnsafeRawBufferPointer(start: storage.baseAddress! + index * maximumSize, count: length))
        let sender = UnsafeRawPointer(addresses.baseAddress! + index).withMemoryRebound(to: sockaddr.self, capacity: 1) {
            SocketAddress($0, length: header.msg_hdr.msg_namelen)
        }
        return Datagram(
            bytes: bytes, address: sender ?? .unix(path: ""),
            isTruncated: header.msg_hdr.msg_flags & Int32(MSG_TRUNC) != 0)
    }
}
