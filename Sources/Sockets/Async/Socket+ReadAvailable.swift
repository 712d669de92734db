#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSockets

extension Socket {
    /// Waits until bytes (or the end of the stream) can be read, receives them and hands
    /// them to `body` without a buffer of the caller's: on the reactor thread they land in
    /// the reactor's scratch memory, which `body` must not keep (copy what must outlive it).
    ///
    /// An idle connection therefore holds no receive buffer at all. `body` gets an empty
    /// buffer at end of stream.
    func readAvailable<R>(
        deadline: ContinuousClock.Instant? = nil, _ body: (UnsafeRawBufferPointer) throws(SocketError) -> R
    ) async throws -> R {
        guard descriptor.acquire() else { throw SocketError(.closed, operation: "read") }
        defer { descriptor.release() }
        let fd = descriptor.raw
        var registration = registrationCache.load(ordering: .acquiring)?.takeUnretainedValue()
        while true {
            let sequence = registration?.sequence(.read) ?? 0
            if registration.map({ !$0.isDrained(at: sequence) }) ?? true {
                let owned = Reactor.shared.scratchBuffer == nil
                    ? UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16) : nil
                defer { owned?.deallocate() }
                let buffer = owned ?? Reactor.shared.scratchBuffer!
                switch Syscall.recv(fd, buffer, Int32(MSG_DONTWAIT)) {
                case .success(let count):
                    if count > 0 && count < buffer.count && type == .stream, let registration {
                        registration.drainedAtReadSequence.store(sequence, ordering: .relaxed)
                    }
                    return try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                case .failure(.resourceTemporarilyUnavailable):
                    break
                case .failure(let errno):
                    throw SocketError("read", errno: errno)
                }
            }
            let waiter = try registration ?? self.registration()
            registration = waiter
            try await waiter.wait(for: .read, after: sequence, deadline: deadline, operation: "read")
        }
    }
}
