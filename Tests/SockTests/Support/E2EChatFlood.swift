import Foundation
import Framing
import Sockets
import TestSupport

// Support for the chat backpressure tests: a member that floods the room, and members
// that read on threads of their own and check every line.

/// The flood's lines and bursts.
enum E2EChatFlood {
    /// Bytes per line on the wire, terminator included.
    static let lineLength = 4096
    /// Lines per burst: one burst is 1 MiB.
    static let linesPerBurst = 256

    private static let padding = String(repeating: "x", count: lineLength - 10)

    /// Line `index` without its terminator: the index in 8 digits, a space, padding.
    static func line(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits + " " + padding
    }

    /// Burst `number`: lines `number * 256 ..< (number + 1) * 256`, each with its `\n`.
    static func burst(_ number: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(linesPerBurst * lineLength)
        for index in number * linesPerBurst..<(number + 1) * linesPerBurst {
            bytes += line(index).utf8
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }
}

/// Sends `bursts` bursts of the flood, then the line `done`, from a thread of its own.
final class E2EChatFloodSender: @unchecked Sendable {
    // @unchecked: `failure` is only touched with `lock` held.
    private let finished = Latch<Void>()
    private let lock = NSLock()
    private var failure: (any Error)?

    init(_ socket: Socket, bursts: Int) {
        Thread { [self] in
            do {
                for number in 0..<bursts { try socket.sendAll(E2EChatFlood.burst(number)) }
                try socket.sendAll(E2E.bytes("done\n"))
            } catch {
                lock.withLock { failure = error }
            }
            finished.set(())
        }.start()
    }

    /// Waits until all was sent; the error if a send failed, `HarnessError` on timeout.
    func wait(timeout: Duration) throws {
        guard finished.wait(timeout: timeout) != nil else { throw HarnessError("the flood was not sent within \(timeout)") }
        if let failure = lock.withLock({ failure }) { throw failure }
    }
}

/// A member that reads the room on a thread of its own: checks that `sender`'s flood
/// lines all arrive in order, and notes when each arrives, until `sender: done`.
final class E2EChatFloodReader: @unchecked Sendable {
    // @unchecked: `report` is only touched with `lock` held.
    /// What the member received.
    struct Report {
        /// How many flood lines arrived, all in order.
        var floodLines = 0
        /// The first line that was not the next flood line expected, if any.
        var mismatch: String?
        /// When each flood line arrived.
        var arrivals: [ContinuousClock.Instant] = []
        /// Every other line (notices), with when it arrived.
        var others: [(line: String, at: ContinuousClock.Instant)] = []
        /// Whether `sender: done` arrived (false: the stream ended or failed before).
        var sawDone = false
        /// The receive error that ended the reading, if any.
        var error: String?

        /// When `line` arrived, if it did.
        func arrival(of line: String) -> ContinuousClock.Instant? { others.first { $0.line == line }?.at }
    }

    private let finished = Latch<Void>()
    private let lock = NSLock()
    private var report = Report()

    init(_ socket: Socket, sender: String) {
        Thread { [self] in
            var result = Report()
            result.arrivals.reserveCapacity(64 * 1024)
            var decoder = Framing.line.makeDecoder(maximumLength: 1024 * 1024)
            let prefix = sender + ": "
            let done = prefix + "done"
            do {
                while let message = try socket.recvMessage(&decoder) {
                    let now = ContinuousClock.now
                    let text = String(decoding: message, as: UTF8.self)
                    if text == done {
                        result.sawDone = true
                        break
                    }
                    if text.hasPrefix(prefix) {
                        if result.mismatch == nil && text != prefix + E2EChatFlood.line(result.floodLines) {
                            result.mismatch = "line \(result.floodLines): \(text.prefix(40))…"
                        }
                        result.floodLines += 1
                        result.arrivals.append(now)
                    } else {
                        result.others.append((text, now))
                    }
                }
            } catch {
                result.error = "\(error)"
            }
            lock.withLock { report = result }
            finished.set(())
        }.start()
    }

    /// Waits for the end of the reading; nil on timeout.
    func wait(timeout: Duration) -> Report? {
        guard finished.wait(timeout: timeout) != nil else { return nil }
        return lock.withLock { report }
    }
}
