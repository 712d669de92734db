import Foundation
import Sockets
import Synchronization

/// Copies standard input to a connected socket on a thread of its own, for `connect`
/// and `chat`, and remembers how that went, so that the command can tell, when the
/// server's side ends, whether the server or the user ended the conversation.
///
/// At the end of the input it half-closes the connection (the server reads end of
/// stream). When sending fails it shuts down the receiving side too: the command's
/// read loop ends, and the command reports the failure (see ``failure``).
final class InputSender: Sendable {
    /// What the sender did so far.
    struct Progress: Sendable {
        /// The bytes sent.
        var sentBytes = 0
        /// The input ended (or the user asked to leave) and everything was sent.
        var inputEnded = false
        /// The user's last line (such as chat's `/quit`) is on its way: from here on, the
        /// server closing is the expected answer, even before ``inputEnded`` is set.
        var leaving = false
        /// Why sending stopped, if it failed.
        var failure: (any Error)?
    }

    private let connection: ClientConnection
    private let progress = LockedValue(Progress())

    private init(_ connection: ClientConnection) {
        self.connection = connection
    }

    /// Starts a thread that runs `copy`, which sends with ``send(_:)`` and returns at the
    /// end of the input; then half-closes.
    static func start(to connection: ClientConnection, _ copy: @escaping @Sendable (InputSender) throws -> Void)
        -> InputSender
    {
        let sender = InputSender(connection)
        Thread {
            do {
                try copy(sender)
                sender.progress.withLock { $0.inputEnded = true }
                try connection.closeWrite()
            } catch {
                sender.progress.withLock { $0.failure = error }
                // Ends the command's read loop (it reads end of stream), which then reports this.
                try? connection.socket.shutdown(.read)
            }
        }.start()
        return sender
    }

    /// Sends all of `bytes`.
    func send(_ bytes: some Collection<UInt8>) throws {
        try connection.sendAll(bytes)
        progress.withLock { $0.sentBytes += bytes.count }
    }

    /// Sends all of `bytes` as the user's last words: the server may close as soon as it
    /// reads them, so ``Progress/leaving`` is set before they go.
    func sendLast(_ bytes: some Collection<UInt8>) throws {
        progress.withLock { $0.leaving = true }
        try send(bytes)
    }

    /// What the sender did so far.
    var snapshot: Progress { progress.withLock { $0 } }
}
