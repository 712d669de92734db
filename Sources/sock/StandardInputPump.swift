import Foundation
import Sockets

/// Copies stdin to the connection `sock listen` is serving, on a thread of its own.
///
/// It reads stdin only while a connection is attached, so input typed before a client
/// comes (or between two clients, with `-k`) goes to the next one. At the end of stdin
/// it half-closes the connection (the peer reads end of stream), and every connection
/// attached later is half-closed at once.
final class StandardInputPump: @unchecked Sendable {
    // @unchecked: `current` and `inputEnded` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var current: Socket?
    private var inputEnded = false

    /// Starts the thread; it waits for the first ``attach(_:)``.
    init() {
        Thread { [self] in run() }.start()
    }

    /// Sends stdin to `connection` from now on (half-closes it if stdin has ended).
    func attach(_ connection: Socket) {
        condition.withLock {
            current = connection
            if inputEnded { try? connection.shutdown(.write) }
            condition.broadcast()
        }
    }

    /// Stops sending to `connection`.
    func detach(_ connection: Socket) {
        condition.withLock {
            if current === connection { current = nil }
        }
    }

    /// The attached connection, waiting for one.
    private func waitForConnection() -> Socket {
        condition.withLock {
            while current == nil { condition.wait() }
            return current!
        }
    }

    private func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            _ = waitForConnection()
            let count = read(STDIN_FILENO, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            // The connection may have changed while reading: the chunk goes to the current one;
            // if that one is gone meanwhile, the chunk is lost with it.
            try? waitForConnection().sendAll(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        condition.withLock {
            inputEnded = true
            try? current?.shutdown(.write)
        }
    }
}
