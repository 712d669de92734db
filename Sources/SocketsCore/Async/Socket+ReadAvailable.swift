import CSockets
import SocketsReactor
import SocketsSystem

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Waits until bytes (or the end of the stream) can be read, receives them into
    /// `buffer` and hands them to `body`. Without a `buffer` they land in the reactor
    /// thread's scratch memory, which `body` must not keep (copy what must outlive it), so
    /// an idle connection holds no receive buffer at all. `body` gets an empty buffer at
    /// end of stream.
    ///
    /// The system call is tried first; the task parks on the reactor only on `EAGAIN`, and
    /// after a short read it parks without trying (the socket is drained) until the next event.
    package func readAvailable<R>(
        into callerBuffer: UnsafeMutableRawBufferPointer? = nil, deadline: ContinuousClock.Instant? = nil,
        _ body: (UnsafeRawBufferPointer) throws(SocketError) -> R
    ) async throws -> R {
        guard descriptor.acquire() else { throw SocketError(.closed, operation: "read") }
        defer { descriptor.release() }
        let fd = descriptor.raw
        // Registered lazily: a socket whose data is always there when read never needs epoll.
        var registration = registrationCache.load(ordering: .acquiring)?.takeUnretainedValue()
        while true {
            let sequence = registration?.sequence(.read) ?? 0
            if registration.map({ !$0.isDrained(at: sequence) }) ?? true {
                let scratch = callerBuffer == nil ? Reactor.currentScratchBuffer : nil
                let owned =
                    callerBuffer == nil && scratch == nil
                    ? UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16) : nil
                defer { owned?.deallocate() }
                let buffer = callerBuffer ?? scratch ?? owned!
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
            // A new registration reports the socket's current readiness as its first event
            // (sequence 1), so waiting "after 0" cannot miss data that arrived meanwhile.
            let waiter = try registration ?? self.registration()
            registration = waiter
            try await waiter.wait(for: .read, after: sequence, deadline: deadline, operation: "read")
        }
    }
}
