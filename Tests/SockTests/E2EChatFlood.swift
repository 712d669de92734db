import Foundation
import Framing
import Sockets

#if canImport(Glibc)
import Glibc
#endif

// Support for the chat backpressure tests: a member that floods the room, members
// that read on threads of their own and check every line, and measurements of the
// server process (CPU time samples, resident memory).

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

    /// The server's resident memory now and at its peak, in KiB (`VmRSS`, `VmHWM` of
    /// `/proc/PID/status`).
    static func memory(of pid: Int32) -> (resident: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return -1 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
        }
        return (field("VmRSS"), field("VmHWM"))
    }
}

/// Sends `bursts` bursts of the flood, then the line `done`, from a thread of its own.
final class E2EChatFloodSender: @unchecked Sendable {
    private let finished = E2EExitState()
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
            finished.record(0)
        }.start()
    }

    /// Waits until all was sent; the error if a send failed, `E2EError` on timeout.
    func wait(timeout: Duration) throws {
        guard finished.wait(timeout: timeout) != nil else { throw E2EError("the flood was not sent within \(timeout)") }
        if let failure = lock.withLock({ failure }) { throw failure }
    }
}

/// A member that reads the room on a thread of its own: checks that `sender`'s flood
/// lines all arrive in order, and notes when each arrives, until `sender: done`.
final class E2EChatFloodReader: @unchecked Sendable {
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

    private let finished = E2EExitState()
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
            finished.record(0)
        }.start()
    }

    /// Waits for the end of the reading; nil on timeout.
    func wait(timeout: Duration) -> Report? {
        guard finished.wait(timeout: timeout) != nil else { return nil }
        return lock.withLock { report }
    }
}

/// Samples a process's CPU time (`/proc/PID/stat`, clock ticks) every 20 ms on a
/// thread of its own, to tell how much it used between two instants.
final class E2ECPUSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [(at: ContinuousClock.Instant, ticks: Int)] = []
    private var running = true
    private let stopped = E2EExitState()

    init(_ server: E2EServer) {
        Thread { [self] in
            while lock.withLock({ running }) {
                let sample = (ContinuousClock.now, server.cpuTicks)
                lock.withLock { samples.append(sample) }
                usleep(20_000)
            }
            stopped.record(0)
        }.start()
    }

    /// Stops sampling.
    func stop() {
        lock.withLock { running = false }
        _ = stopped.wait(timeout: .seconds(2))
    }

    /// The ticks used from the first sample at or after `start` to the last sample at
    /// or before `end`, and the time between those samples; nil without such samples.
    func ticks(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> (ticks: Int, over: Duration)? {
        lock.withLock {
            guard let first = samples.first(where: { $0.at >= start }),
                  let last = samples.last(where: { $0.at <= end }), first.at < last.at else { return nil }
            return (last.ticks - first.ticks, last.at - first.at)
        }
    }
}
