import CSockets
import SocketsReactor
import SocketsSystem

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Sends every datagram that arrives back to its sender until the socket is closed
    /// (the `echo` service over UDP, and the benchmark handler).
    ///
    /// Datagrams are received in batches (`recvmmsg`) and sent back the same way
    /// (`sendmmsg`). When the calling task owns the socket (a ``DatagramServer`` does), the
    /// reactor does this on its own thread on each input event while the task stays
    /// parked: no task switch per datagram. When the send buffer is full the echo waits
    /// for room; a reply the kernel refuses (an unreachable sender, one too large) is
    /// dropped, as UDP would.
    ///
    /// - Parameter maximumSize: Longer datagrams are echoed cut to this size.
    /// - Throws: ``SocketError`` (`closed` once the socket is closed), `CancellationError`.
    public func echoDatagrams(maximumSize: Int = 65_535) async throws {
        // Held until the echo ends: the pump runs under it (see `SocketEcho`).
        guard descriptor.acquire() else { throw Self.closedError("recvmmsg") }
        defer { descriptor.release() }
        let registration = try registerForWaiting()
        let echo = DatagramEcho(
            descriptor: descriptor.raw, registration: registration,
            batch: DatagramBatch(capacity: 32, maximumSize: maximumSize))
        while true {
            switch echo.next() {
            case .drained(let sequence):
                if registration.isOwnedByCurrentTask {
                    try await registration.waitRunningInline(after: sequence, echo)
                } else {
                    try await registration.wait(for: .read, after: sequence, deadline: nil, operation: "recvmmsg")
                }
            case .full(let sequence):
                try await registration.wait(for: .write, after: sequence, deadline: nil, operation: "sendmmsg")
            case .failed(let error):
                throw error
            }
        }
    }
}

/// The state of one ``Socket/echoDatagrams(maximumSize:)``: its batch, and where its pump
/// stopped.
///
/// `@unchecked Sendable`: `batch`, `unsent`, `drainedAt` and `outcome` are used by the reactor thread only
/// while the driving task is parked, and by the task only after the reactor resumed it (the
/// continuation's resume orders the two), as ``InlineEcho`` describes.
private final class DatagramEcho: InlineReader, @unchecked Sendable {
    enum Outcome {
        /// Nothing more to receive at this read sequence.
        case drained(UInt64)
        /// The send buffer was full at this write sequence; `unsent` waits for room.
        case full(UInt64)
        case failed(any Error)
    }

    /// The socket's descriptor, acquired by the driving echo for the whole echo.
    let descriptor: Int32
    let registration: ReactorRegistration
    let batch: DatagramBatch
    /// Received datagrams not sent back yet.
    private var unsent: Range<Int>?
    /// The read sequence at which the last batch came back short, i.e. drained the socket.
    private var drainedAt: UInt64?
    /// Why the reactor resumed the task.
    private var outcome: Outcome?

    init(descriptor: Int32, registration: ReactorRegistration, batch: DatagramBatch) {
        self.descriptor = descriptor
        self.registration = registration
        self.batch = batch
    }

    /// The outcome the reactor left, or a run of the task's own.
    func next() -> Outcome {
        defer { outcome = nil }
        return outcome ?? pump()
    }

    func readInline() -> Bool {
        let result = pump()
        if case .drained = result { return false }
        outcome = result
        return true
    }

    /// Sends back what is left, then receives and sends back batches until the socket is
    /// drained, the send buffer is full or a receive fails.
    private func pump() -> Outcome {
        while true {
            if let indices = unsent {
                let sequence = registration.sequence(.write)
                unsent = batch.sendBack(descriptor, indices)
                if unsent != nil { return .full(sequence) }
                if let sequence = drainedAt {
                    drainedAt = nil
                    return .drained(sequence)
                }
            }
            let sequence = registration.sequence(.read)
            switch batch.receive(descriptor) {
            case .success(let count):
                unsent = 0..<count
                // A short batch drained the socket: the next datagram raises an event.
                if count < batch.capacity { drainedAt = sequence }
            case .failure(.resourceTemporarilyUnavailable):
                return .drained(sequence)
            case .failure(let errno):
                return .failed(SocketError("recvmmsg", errno: errno))
            }
        }
    }
}
