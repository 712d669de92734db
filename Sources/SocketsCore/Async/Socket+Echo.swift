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
        try await echo(activity: nil)
    }

    /// ``echo()``, telling `activity` after each read.
    ///
    /// Its frame, which every parked connection keeps, holds the `InlineEcho` and a
    /// small step: what a run found stays in that object.
    package func echo(activity: (any StreamActivity)?) async throws {
        guard descriptor.acquire() else { throw Self.closedError("read") }
        defer { descriptor.release() }
        let echo = InlineEcho(socket: self, registration: try registerForWaiting(), activity: activity)
        while true {
            switch echo.next() {
            case .wait(let sequence):
                if echo.registration.isOwnedByCurrentTask {
                    try await echo.registration.waitRunningInline(after: sequence, echo.runOnReactor)
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

    /// The rare path of ``echo(activity:)``: what the peer was too slow to take. Not
    /// inlined, so that the echo loop's frame, which every idle connection keeps, does
    /// not hold the write's locals.
    @inline(never)
    private func writeRemainder(_ rest: [UInt8]) async throws {
        try await write(rest)
    }
}

/// The synchronous part of ``Socket/echo()``: receive what has arrived and send it back,
/// until the input is drained. Run by the echoing task, and by the reactor on its thread
/// while that task is parked (``ReactorRegistration/waitRunningInline(after:_:)``).
///
/// `@unchecked Sendable`: `outcome` is written by the reactor thread only while the task is
/// parked and read by the task only after the reactor resumed it; the continuation's resume
/// orders the two. Nothing else is mutable.
private final class InlineEcho: @unchecked Sendable {
    /// Where a run stopped.
    enum Outcome {
        /// Nothing more to read at this read sequence.
        case drained(UInt64)
        case endOfStream
        /// Bytes the peer was too slow to take.
        case pending([UInt8])
        case failed(any Error)
    }

    let socket: Socket
    let registration: ReactorRegistration
    let activity: (any StreamActivity)?
    /// Why the reactor resumed the task (see the type's note).
    private var outcome: Outcome?

    init(socket: Socket, registration: ReactorRegistration, activity: (any StreamActivity)?) {
        self.socket = socket
        self.registration = registration
        self.activity = activity
    }

    /// What ``Socket/echo(activity:)`` does next; the bytes or the error stay here.
    enum Step {
        case wait(UInt64)
        case end
        case writePending
        case fail
    }

    /// The outcome the reactor left, or a run of the task's own, as a step.
    func next() -> Step {
        if outcome == nil { outcome = run() }
        switch outcome! {
        case .drained(let sequence):
            outcome = nil
            return .wait(sequence)
        case .endOfStream: return .end
        case .pending: return .writePending
        case .failed: return .fail
        }
    }

    /// The bytes of a ``Step/writePending``, once.
    func takePending() -> [UInt8] {
        defer { outcome = nil }
        if case .pending(let rest) = outcome { return rest }
        return []
    }

    /// The error of a ``Step/fail``.
    func takeFailure() -> any Error {
        if case .failed(let error) = outcome { return error }
        return SocketError(.closed, operation: "read")
    }

    /// Parks a task that does not own the socket until the next input event; its own
    /// frame, so that an owner's parked frame does not hold this wait's.
    @inline(never)
    func wait(after sequence: UInt64) async throws {
        try await registration.wait(for: .read, after: sequence, deadline: nil, operation: "read")
    }

    /// ``run()`` on the reactor: true, with the outcome kept, when the task must go on.
    @Sendable func runOnReactor() -> Bool {
        let result = run()
        if case .drained = result { return false }
        outcome = result
        return true
    }

    /// Receives and sends back until the input is drained, the stream ends, a send would
    /// block or a call fails.
    func run() -> Outcome {
        // Once per run, after the receiving: the clock read is a tenth of a message's work.
        defer { activity?.touch() }
        guard socket.descriptor.acquire() else { return .failed(SocketError(.closed, operation: "read")) }
        defer { socket.descriptor.release() }
        let scratch = Reactor.currentScratchBuffer
        let owned = scratch == nil ? UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16) : nil
        defer { owned?.deallocate() }
        let buffer = scratch ?? owned!
        while true {
            let sequence = registration.sequence(.read)
            switch Syscall.recv(socket.descriptor.raw, buffer, Int32(MSG_DONTWAIT)) {
            case .success(0):
                return .endOfStream
            case .success(let count):
                var offset = 0
                while offset < count {
                    switch Syscall.send(
                        socket.descriptor.raw, UnsafeRawBufferPointer(rebasing: buffer[offset..<count]), Int32(MSG_DONTWAIT))
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
