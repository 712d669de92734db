import CSockets
import SocketsReactor
import SocketsSystem

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Sends every byte that arrives straight back until the peer half-closes (the
    /// `echo` service in raw framing, and the benchmark handler).
    ///
    /// Bytes are received into the reactor's scratch memory and sent on at once; only
    /// what the peer is too slow to take is copied and waited on. An idle peer
    /// therefore costs no buffer. When the calling task owns the socket (a server's
    /// handler does), the reactor does the receiving and sending itself on each event
    /// while the task stays parked, as a SwiftNIO handler would: no task switch per
    /// message.
    ///
    /// - Throws: ``SocketError`` when reading or writing fails; `CancellationError`.
    public func echo() async throws {
        // Held until the echo ends: the pump, which runs under it (on this task or on the
        // reactor while this task is parked), uses the descriptor without acquiring it.
        guard descriptor.acquire() else { throw Self.closedError("read") }
        defer { descriptor.release() }
        let registration = try registerForWaiting()
        let echo = SocketEcho(descriptor: descriptor.raw, registration: registration)
        while true {
            switch echo.next() {
            case .wait(let sequence):
                if registration.isOwnedByCurrentTask {
                    try await registration.waitRunningInline(after: sequence, echo)
                } else {
                    try await echo.wait(after: sequence)
                }
            case .end:
                return
            case .writePending:
                try await writeRemainder(echo.takePending())
            case .fail:
                throw echo.takeFailure()
            }
        }
    }

    /// The rare path of ``echo()``: what the peer was too slow to take. Not
    /// inlined, so that the echo loop's frame, which every idle connection keeps, does
    /// not hold the write's locals.
    @inline(never)
    private func writeRemainder(_ rest: [UInt8]) async throws {
        try await write(rest)
    }
}

/// The state of one ``Socket/echo()``, in one object with what its pump needs (see
/// ``InlineEcho``): an event passes through the registration and this object only.
///
/// `@unchecked Sendable`: `outcome` is handed between the reactor and the driving task as
/// ``InlineEcho`` describes; everything else is immutable.
private final class SocketEcho: InlineEcho, @unchecked Sendable {
    /// The socket's descriptor, acquired by the driving ``Socket/echo()`` for the
    /// whole echo: it stays open, and its number ours, while the pump runs.
    let descriptor: Int32
    let registration: ReactorRegistration
    var outcome: InlineEchoOutcome?

    init(descriptor: Int32, registration: ReactorRegistration) {
        self.descriptor = descriptor
        self.registration = registration
    }

    /// Receives into the reactor's scratch memory and sends back until the input is
    /// drained, the stream ends, a send would block or a call fails.
    ///
    /// A socket closed meanwhile ends the echo too: closing shuts the descriptor down
    /// (the receive then sees the end of the stream) and wakes the parked task with
    /// `closed`.
    func pump() -> InlineEchoOutcome {
        let scratch = Reactor.currentScratchBuffer
        let owned = scratch == nil ? UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16) : nil
        defer { owned?.deallocate() }
        let buffer = scratch ?? owned!
        while true {
            let sequence = registration.sequence(.read)
            switch Syscall.recv(descriptor, buffer, Int32(MSG_DONTWAIT)) {
            case .success(0):
                return .endOfStream
            case .success(let count):
                var offset = 0
                while offset < count {
                    switch Syscall.send(
                        descriptor, UnsafeRawBufferPointer(rebasing: buffer[offset..<count]), Int32(MSG_DONTWAIT))
                    {
                    case .success(let sent):
                        offset += sent
                    case .failure(.resourceTemporarilyUnavailable):
                        return .pending(Array(buffer[offset..<count]))
                    case .failure(let errno):
                        return .failed(SocketError("send", errno: errno))
                    }
                }
                // A short read drained the socket, unless the peer has closed its side (the
                // end of stream must still be read, and raises no further event).
                if count < buffer.count && !registration.inputEnded.load(ordering: .acquiring) {
                    return .drained(sequence)
                }
            case .failure(.resourceTemporarilyUnavailable):
                return .drained(sequence)
            case .failure(let errno):
                return .failed(SocketError("read", errno: errno))
            }
        }
    }
}
