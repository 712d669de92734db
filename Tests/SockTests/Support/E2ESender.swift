import Foundation
import Sockets
import TestSupport

/// Sends bytes from a thread of its own, so a test can read the replies meanwhile
/// (a big payload would otherwise fill both directions' buffers and deadlock).
final class E2ESender: @unchecked Sendable {
    // @unchecked: `error` is only touched with `failure` held.
    private let done = Latch<Void>()
    private let failure = NSLock()
    private var error: (any Error)?

    init(_ socket: Socket, _ bytes: [UInt8], halfClose: Bool = false) {
        Thread { [self] in
            do {
                try socket.sendAll(bytes)
                if halfClose { try socket.shutdown(.write) }
            } catch {
                failure.withLock { self.error = error }
            }
            done.set(())
        }.start()
    }

    /// Waits until everything was sent; false on a send error or timeout.
    func wait(timeout: Duration = E2E.timeout) -> Bool {
        done.wait(timeout: timeout) != nil && failure.withLock { error == nil }
    }
}
