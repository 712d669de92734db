import SocketsCore
import SocketsReactor
import SocketsSystem

extension TLSSocket {
    /// Sends every byte that arrives back, encrypted again, until the peer's close_notify
    /// (the `echo` service over TLS).
    ///
    /// Records are decrypted into the reactor's scratch memory and encrypted back from
    /// it at once, so an idle connection holds no buffer of its own; what arrived
    /// together leaves with one `send`. When the calling task owns the socket (a server's
    /// handler does), the reactor does this on its own thread on each input event while
    /// the task stays parked, as for ``Socket/echo()``.
    ///
    /// - Throws: ``TLSError`` (`truncated` when the peer ends the TCP connection without
    ///   close_notify), `SocketError`, `CancellationError`.
    public func echo() async throws {
        guard socket.descriptor.acquire() else { throw Socket.closedError("tls read") }
        defer { socket.descriptor.release() }
        try throwDeferredReadFailure()
        let registration = try socket.registerForWaiting()
        let echo = TLSEcho(socket: self, registration: registration)
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

    /// What the peer was too slow to take: records the socket BIO holds (`rest` empty),
    /// or bytes OpenSSL has not taken yet.
    @inline(never)
    private func writeRemainder(_ rest: [UInt8]) async throws {
        if rest.isEmpty {
            try await flush(deadline: nil)
        } else {
            try await write(rest)
        }
    }

    /// The pump of ``echo()`` (see `InlineEcho`): decrypts what has arrived and
    /// encrypts it back until the input is drained, close_notify, a send that would block
    /// or a failure.
    fileprivate func pumpEcho(registration: ReactorRegistration) -> InlineEchoOutcome {
        guard socket.descriptor.acquire() else { return .failed(Socket.closedError("tls read")) }
        defer { socket.descriptor.release() }
        let scratch = Reactor.currentScratchBuffer
        let owned = scratch == nil ? UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16) : nil
        defer { owned?.deallocate() }
        let buffer = scratch ?? owned!
        do {
            while true {
                let sequence = registration.sequence(.read)
                let read = try step(
                    "tls read", endOfStream: 0, registration: registration, readSequence: sequence,
                    parkIfDrained: true, isRead: true
                ) { ssl in readRecords(ssl, buffer) }
                let count: Int
                switch read {
                case .wantRead: return .drained(sequence)
                // A read that must write first (the socket BIO never asks that of a write).
                case .wantWrite: return .pending([])
                case .done(let value), .unflushed(let value): count = value
                }
                guard count > 0 else { return .endOfStream }
                var offset = 0
                while offset < count {
                    let rest = UnsafeRawBufferPointer(rebasing: buffer[offset..<count])
                    switch try step("tls write", { ssl in Self.writeRecords(ssl, rest) }) {
                    case .done(let written):
                        offset += written
                    case .unflushed(let written):
                        offset += written
                        return .pending(Array(buffer[offset..<count]))
                    case .wantRead, .wantWrite:
                        return .pending(Array(buffer[offset..<count]))
                    }
                }
                // A failure behind the data (kept by `readRecords`) ends the echo now.
                try throwDeferredReadFailure()
            }
        } catch {
            return .failed(error)
        }
    }
}

/// The state of one ``TLSSocket/echo()`` (see `InlineEcho`).
///
/// `@unchecked Sendable`: `outcome` is handed between the reactor and the driving task as
/// `InlineEcho` describes; everything else is immutable.
private final class TLSEcho: InlineEcho, @unchecked Sendable {
    let socket: TLSSocket
    let registration: ReactorRegistration
    var outcome: InlineEchoOutcome?

    init(socket: TLSSocket, registration: ReactorRegistration) {
        self.socket = socket
        self.registration = registration
    }

    func pump() -> InlineEchoOutcome {
        socket.pumpEcho(registration: registration)
    }
}
