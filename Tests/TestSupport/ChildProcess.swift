import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process for a test: its stdout and stderr collected, every wait bounded, and
/// signalled only by its own PID. A child still running when this object goes away is
/// killed, so a failing test leaves no process behind.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `process` is configured in `init` and then only read; the mutable
    // state lives in the `Latch` and the `ChildOutput`s, which lock.
    private let process = Process()
    /// Everything the child wrote on stdout.
    public let standardOutput: ChildOutput
    /// Everything the child wrote on stderr.
    public let standardError: ChildOutput
    private let standardInput: Pipe?
    private let exit = Latch<Int32>()

    /// Starts `executable` with `arguments`.
    ///
    /// - Parameters:
    ///   - environment: Variables set for the child on top of this process's environment.
    ///   - directory: The child's working directory; nil: this process's.
    ///   - input: Bytes written to its stdin (then closed); nil: stdin is `/dev/null`.
    ///   - keepingStandardInputOpen: Give it a stdin pipe that stays open: the test
    ///     writes with ``writeInput(_:)`` and ends it with ``closeInput()``.
    ///   - closingStandardError: Close the reading end of its stderr pipe at once, so
    ///     every write there fails with `EPIPE` (and raises SIGPIPE).
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
        input: [UInt8]? = nil, keepingStandardInputOpen: Bool = false, closingStandardError: Bool = false
    ) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        if input != nil || keepingStandardInputOpen {
            let pipe = Pipe()
            process.standardInput = pipe
            standardInput = pipe
        } else {
            process.standardInput = FileHandle.nullDevice
            standardInput = nil
        }
        process.terminationHandler = { [exit] process in
            exit.set(process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus)
        }
        try Self.withEmptySignalMask { [process] in try process.run() }
        standardOutput = ChildOutput(output.fileHandleForReading)
        if closingStandardError {
            try error.fileHandleForReading.close()
            let nothing = Pipe()
            try nothing.fileHandleForWriting.close()
            standardError = ChildOutput(nothing.fileHandleForReading)
        } else {
            standardError = ChildOutput(error.fileHandleForReading)
        }
        if let input, let pipe = standardInput {
            // A writer thread: the child may answer before it has read all of its input.
            // It blocks SIGPIPE, so a child that exits without reading makes the write
            // fail with EPIPE instead of killing the test process.
            let writer = pipe.fileHandleForWriting
            startThread {
                var pipeSignal = sigset_t()
                sigemptyset(&pipeSignal)
                sigaddset(&pipeSignal, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
                if !input.isEmpty { try? writer.write(contentsOf: Data(input)) }
                try? writer.close()
            }
        }
    }

    /// A child a test forgot to stop (or left when it failed) does not outlive it.
    deinit {
        if !hasExited { stop(SIGKILL) }
    }

    /// Runs `body` (which starts a child) on a thread of its own that blocks no signals.
    ///
    /// A child inherits the signal mask of the thread that spawns it, and the threads
    /// Swift concurrency runs tests on block nearly every signal: spawned from them, a
    /// child would not see SIGTERM, and SIGPIPE could never kill it.
    private static func withEmptySignalMask(_ body: @escaping @Sendable () throws -> Void) throws {
        let done = Latch<Void>()
        let failure = Mutex<(any Error)?>(nil)
        Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            do {
                try body()
            } catch {
                failure.withLock { $0 = error }
            }
            done.set(())
        }.start()
        guard done.wait(timeout: testTimeout) != nil else { throw HarnessError("the child did not start in time") }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// The child's process id.
    public var pid: Int32 { process.processIdentifier }

    /// Writes to the child's stdin (started with `keepingStandardInputOpen`).
    public func writeInput(_ bytes: [UInt8]) throws {
        try standardInput?.fileHandleForWriting.write(contentsOf: Data(bytes))
    }

    /// Ends the child's stdin (started with `keepingStandardInputOpen`).
    public func closeInput() {
        try? standardInput?.fileHandleForWriting.close()
    }

    /// Sends `signal` to the child, by its pid.
    public func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the child to exit: its exit code, 128 + N if signal N ended it, nil on timeout.
    @discardableResult
    public func waitForExit(timeout: Duration = testTimeout) -> Int32? {
        exit.wait(timeout: timeout)
    }

    /// Whether the child has exited.
    public var hasExited: Bool { exit.wait(timeout: .zero) != nil }

    /// Sends `signal` and waits for the exit; kills the child if it does not exit in time.
    ///
    /// - Returns: The exit status, or nil if the child had to be killed.
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM, timeout: Duration = testTimeout) -> Int32? {
        if hasExited { return waitForExit(timeout: .zero) }
        send(signal)
        if let status = waitForExit(timeout: timeout) { return status }
        send(SIGKILL)
        waitForExit()
        return nil
    }
}
