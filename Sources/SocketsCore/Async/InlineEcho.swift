import SocketsReactor
import SocketsSystem

/// An echo loop split in two: a synchronous *pump* (receive what has arrived and send it
/// back, until the input is drained) and the task that drives it, parking between runs:
///
/// ```swift
/// while true {
///     switch echo.next() {
///     case .wait(let sequence):
///         if echo.registration.isOwnedByCurrentTask {
///             try await echo.registration.waitRunningInline(after: sequence, echo)
///         } else {
///             try await echo.wait(after: sequence)
///         }
///     case .end: return
///     case .writePending: try await writeRemainder(echo.takePending())
///     case .fail: throw echo.takeFailure()
///     }
/// }
/// ```
///
/// ``Socket/echo()`` and the TLS echo are built on it. The loop stays in each caller: as a
/// function of its own, its frame would cost every parked connection another kilobyte
/// (measured: 2.06 → 3.10 KiB per idle connection).
///
/// When the driving task owns the socket (a server's handler does), the reactor runs the
/// pump on its own thread for each input event while the task stays parked
/// (``ReactorRegistration/waitRunningInline(after:_:)``), as a SwiftNIO handler would: no
/// task switch per message. The pump must therefore only use memory that outlives the
/// run or belongs to the thread running it (the reactor's scratch buffer).
///
/// A protocol that each echo's one object adopts, with the pump and what it needs stored
/// in that object: with a thousand connections, every separate object a message passes
/// through (a closure's context, a socket) is one more cache miss per message.
package protocol InlineEcho: InlineReader {
    /// The socket's registration, which the driver parks on.
    var registration: ReactorRegistration { get }
    /// Why the reactor resumed the task, or nil: written by the reactor thread only while
    /// the task is parked and read by the task only after the reactor resumed it (the
    /// continuation's resume orders the two).
    var outcome: InlineEchoOutcome? { get set }
    /// Receives what has arrived and sends it back until the input is drained.
    func pump() -> InlineEchoOutcome
}

/// Where a run of an ``InlineEcho``'s pump stopped.
package enum InlineEchoOutcome {
    /// Nothing more to read at this read sequence.
    case drained(UInt64)
    case endOfStream
    /// Bytes the peer was too slow to take (for the driver's `writeRemainder`; empty when
    /// what is left is held by the writer itself, e.g. TLS records not yet sent).
    case pending([UInt8])
    case failed(any Error)
}

/// What the driving task of an ``InlineEcho`` does next; the bytes or the error stay in it.
package enum InlineEchoStep {
    case wait(UInt64)
    case end
    case writePending
    case fail
}

extension InlineEcho {
    /// The outcome the reactor left, or a run of the task's own, as a step.
    package func next() -> InlineEchoStep {
        if outcome == nil { outcome = pump() }
        switch outcome! {
        case .drained(let sequence):
            outcome = nil
            return .wait(sequence)
        case .endOfStream: return .end
        case .pending: return .writePending
        case .failed: return .fail
        }
    }

    /// The bytes of a ``InlineEchoStep/writePending``, once.
    package func takePending() -> [UInt8] {
        defer { outcome = nil }
        if case .pending(let rest) = outcome { return rest }
        return []
    }

    /// The error of a ``InlineEchoStep/fail``.
    package func takeFailure() -> any Error {
        if case .failed(let error) = outcome { return error }
        return SocketError(.closed, operation: "read")
    }

    /// Parks a task that does not own the socket until the next input event; its own
    /// frame, so that an owner's parked frame does not hold this wait's.
    @inline(never)
    package func wait(after sequence: UInt64) async throws {
        try await registration.wait(for: .read, after: sequence, deadline: nil, operation: "read")
    }

    /// The pump on the reactor: true, with the outcome kept, when the task must go on.
    package func readInline() -> Bool {
        let result = pump()
        if case .drained = result { return false }
        outcome = result
        return true
    }
}
