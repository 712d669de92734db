import Foundation
import Sockets

/// Copies stdin to the connection `sock listen` is serving, on a thread of its own.
///
/// It reads stdin only while a connection is attached, so input typed before a client
/// comes (or between two clients, with `-k`) goes to the next one. At the end of stdin
/// it half-closes the connection (the peer reads end of stream), and every connection
/// attached later is half-closed at once. With `crlf`, line ends go out as CR LF.
final class StandardInputPump: @unchecked Sendable {
    // @unchecked: `current` and `inputEnded` are only touched with `condition` locked;
    // `crlf` is a constant.
    private let condition = NSCondition()
    private var current: (connection: Socket, trace: ConnectionTrace)?
    private var inputEnded = false
    private let crlf: Bool

    /// Starts the thread; it waits for the first ``attach(_:trace:)``.
    init(crlf: Bool) {
        self.crlf = crlf
        Thread { [self] in run() }.start()
    }

    /// Sends stdin to `connection` from now on, showing it to `trace` (half-closes it if
    /// stdin has ended).
    func attach(_ connection: Socket, trace: ConnectionTrace) {
        condition.withLock {
            current = (connection, trace)
            if inputEnded { try? connection.shutdown(.write) }
            condition.broadcast()
        }
    }

    /// Stops sending to `connection`.
    func detach(_ connection: Socket) {
        condition.withLock {
            if current?.connection === connection { current = nil }
        }
    }

    /// The attached connection, waiting for one.
    private func waitForConnection() -> (connection: Socket, trace: ConnectionTrace) {
        condition.withLock {
            while current == nil { condition.wait() }
            return current!
        }
    }

    private func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        var translator = crlf ? LineEndingTranslator() : nil
        while true {
            _ = waitForConnection()
            let count = read(STDIN_FILENO, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            let bytes = translator?.translate(chunk) ?? Array(chunk)
            // The connection may have changed while reading: the chunk goes to the current one;
            // if that one is gone meanwhile, the chunk is lost with it.
            let (connection, trace) = waitForConnection()
            bytes.withUnsafeBytes { trace.sent($0) }
            try? connection.sendAll(bytes)
        }
        condition.withLock {
            inputEnded = true
            try? current?.connection.shutdown(.write)
        }
    }
}
