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
        // The errors are made and boxed in the synchronous helpers (untyped `throws`): a
        // `SocketError` value held here would widen this frame, which a parked task keeps.
        guard descriptor.acquire() else { throw Self.closedError("read") }
        defer { descriptor.release() }
        // Registered lazily: a socket whose data is always there when read never needs epoll.
        var registration = registrationCache.load(ordering: .acquiring)?.takeUnretainedValue()
        while true {
            let sequence = registration?.sequence(.read) ?? 0
            if registration.map({ !$0.isDrained(at: sequence) }) ?? true,
                let result = try readOnce(into: callerBuffer, registration: registration, sequence: sequence, body)
            {
                return result
            }
            // A new registration reports the socket's current readiness as its first event
            // (sequence 1), so waiting "after 0" cannot miss data that arrived meanwhile.
            let waiter = try registration ?? registerForWaiting()
            registration = waiter
            try await waiter.wait(for: .read, after: sequence, deadline: deadline, operation: "read")
        }
    }

    /// One receive without waiting, for ``readAvailable(into:deadline:_:)``: `body`'s result,
    /// or nil when nothing has arrived. Call while holding the descriptor.
    ///
    /// Never inlined into the async loop: its locals then live on the thread's stack
    /// instead of in the async frame that every parked connection keeps.
    @inline(never)
    private func readOnce<R>(
        into callerBuffer: UnsafeMutableRawBufferPointer?, registration: ReactorRegistration?, sequence: UInt64,
        _ body: (UnsafeRawBufferPointer) throws(SocketError) -> R
    ) throws -> R? {
        let scratch = callerBuffer == nil ? Reactor.currentScratchBuffer : nil
        let owned =
            callerBuffer == nil && scratch == nil
            ? UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16) : nil
        defer { owned?.deallocate() }
        let buffer = callerBuffer ?? scratch ?? owned!
        switch Syscall.recv(descriptor.raw, buffer, Int32(MSG_DONTWAIT)) {
        case .success(let count):
            if count > 0 && count < buffer.count && type == .stream, let registration {
                registration.drainedAtReadSequence.store(sequence, ordering: .relaxed)
            }
            return try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        case .failure(.resourceTemporarilyUnavailable):
            return nil
        case .failure(let errno):
            throw SocketError("read", errno: errno)
        }
    }

    /// ``registration()`` for an async caller: the error comes boxed.
    @inline(never)
    package func registerForWaiting() throws -> ReactorRegistration {
        try registration()
    }

    /// `closed` for `operation`, boxed, for async callers (see ``registerForWaiting()``).
    @inline(never)
    package static func closedError(_ operation: String) -> any Error {
        SocketError(.closed, operation: operation)
    }
}
