import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a child process writes to one of its pipes, collected by a reader thread
/// (so the child never blocks on a full pipe), with bounded waits on what arrived.
public final class ChildOutput: @unchecked Sendable {
    // @unchecked: `buffer` and `ended` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var buffer: [UInt8] = []
    private var ended = false

    /// Starts reading `handle` until its end, then closes it.
    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            let fd = handle.fileDescriptor
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                condition.lock()
                if count > 0 { buffer += chunk[..<count] } else { ended = true }
                condition.broadcast()
                condition.unlock()
                if count <= 0 { break }
            }
            try? handle.close()
        }
        thread.start()
    }

    /// The bytes so far.
    public var bytes: [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        return buffer
    }

    /// The bytes so far as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The complete lines so far, without their newlines.
    public var lines: [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()
        return lines
    }

    /// Waits until `predicate` holds for the bytes so far (and whether the stream ended);
    /// whether it held within `timeout`.
    @discardableResult
    public func wait(timeout: Duration = testTimeout, until predicate: ([UInt8], Bool) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout.secondsForFoundation)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(buffer, ended) {
            if ended || !condition.wait(until: deadline) { return predicate(buffer, ended) }
        }
        return true
    }

    /// Waits for the end of the stream (the writer closed it or exited).
    @discardableResult
    public func waitForEnd(timeout: Duration = testTimeout) -> Bool {
        wait(timeout: timeout) { _, ended in ended }
    }

    /// Waits until the text contains `needle` at least `count` times.
    @discardableResult
    public func wait(forText needle: String, count: Int = 1, timeout: Duration = testTimeout) -> Bool {
        wait(timeout: timeout) { bytes, _ in
            String(decoding: bytes, as: UTF8.self).components(separatedBy: needle).count - 1 >= count
        }
    }

    /// The first complete line that satisfies `predicate`, waiting up to `timeout` for it.
    ///
    /// - Throws: ``HarnessError`` if the stream ends or the time passes without such a line.
    public func line(timeout: Duration = testTimeout, where predicate: (String) -> Bool) throws -> String {
        func match(_ bytes: [UInt8]) -> String? {
            String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .dropLast().first { predicate(String($0)) }.map(String.init)
        }
        wait(timeout: timeout) { bytes, _ in match(bytes) != nil }
        guard let line = match(bytes) else {
            throw HarnessError("no expected line within \(timeout); the output was: \(text)")
        }
        return line
    }
}
