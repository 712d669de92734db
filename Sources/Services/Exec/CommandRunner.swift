import Subprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one program, without a shell, in a process group of its own, with a time
/// limit and an output limit.
///
/// The program gets no standard input (`/dev/null`) and the server's environment. Its
/// standard output and standard error are read concurrently into one shared budget of
/// ``maximumOutput`` bytes; past it the rest is read and dropped (so the program never
/// blocks on a full pipe) and the result is marked truncated. When ``timeout`` expires
/// the whole process group gets `SIGKILL`, grandchildren included; and when the run is
/// over, whatever is left of the group (a background grandchild) is killed as well.
///
/// Python: `subprocess.run(argv, capture_output=True, timeout=…, start_new_session=True)`,
/// without `shell=True`.
public struct CommandRunner: Sendable {
    /// Why a program could not be started.
    public enum LaunchError: Error, Sendable, Equatable, CustomStringConvertible {
        /// No such program, or it is not executable.
        case notFound(String)
        /// Starting it failed for another reason.
        case failed(String)

        /// One line of English for an error reply.
        public var description: String {
            switch self {
            case .notFound(let program): "no such program: \(program)"
            case .failed(let reason): "cannot run the program: \(reason)"
            }
        }
    }

    /// How long a program may run before its process group is killed.
    public var timeout: Duration
    /// How many bytes of standard output and standard error, together, are kept.
    public var maximumOutput: Int

    /// Creates a runner.
    ///
    /// - Parameters:
    ///   - timeout: The time limit (default 10 s, the SPEC's).
    ///   - maximumOutput: The output limit (default 1 MiB, the SPEC's).
    public init(timeout: Duration = .seconds(10), maximumOutput: Int = 1024 * 1024) {
        self.timeout = timeout
        self.maximumOutput = maximumOutput
    }

    /// Runs a program and waits for it to end.
    ///
    /// - Parameters:
    ///   - executable: A name to look up in `PATH`, or a path (anything with a `/`).
    ///   - arguments: The arguments after the program, each passed as it is.
    ///   - name: The program's `argv[0]`, what it calls itself in its messages
    ///     (`ls: cannot access ...`); by default `executable` as given, never the path
    ///     a `PATH` search found.
    /// - Returns: The exit code and the output kept.
    /// - Throws: ``LaunchError`` when the program cannot be started;
    ///   `CancellationError` when the task is cancelled (the group is killed first).
    public func run(_ executable: String, arguments: [String], name: String? = nil) async throws -> CommandResult {
        // The program's output is handled on the cooperative pool, not on the caller's
        // executor: a chatty program must not keep a connection reactor busy.
        try await withTaskExecutorPreference(globalConcurrentExecutor) {
            try await runHere(executable, arguments: arguments, name: name ?? executable)
        }
    }

    private func runHere(_ executable: String, arguments: [String], name: String) async throws -> CommandResult {
        let collector = OutputCollector(limit: maximumOutput)
        let reaper: ProcessGroupReaper
        do {
            reaper = try ProcessGroupReaper()
        } catch {
            throw LaunchError.failed("cannot create a process group: \(error)")
        }
        var options = PlatformOptions()
        options.processGroupID = reaper.groupID
        let status: TerminationStatus
        do {
            status = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [timeout] in
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled { reaper.timeOut() }
                }
                defer { group.cancelAll() }
                let result = try await Subprocess.run(
                    executable.contains("/") ? .path(FilePath(executable)) : .name(executable),
                    arguments: Arguments(executablePathOverride: name, remainingValues: arguments),
                    platformOptions: options,
                    input: .none,
                    output: .sequence,
                    error: .sequence
                ) { execution in
                    try await withThrowingTaskGroup(of: Void.self) { readers in
                        readers.addTask {
                            for try await chunk in execution.standardOutput {
                                chunk.withUnsafeBytes { collector.append($0, from: .output) }
                            }
                        }
                        readers.addTask {
                            for try await chunk in execution.standardError {
                                chunk.withUnsafeBytes { collector.append($0, from: .error) }
                            }
                        }
                        try await readers.waitForAll()
                    }
                }
                return result.terminationStatus
            }
        } catch let error as SubprocessError {
            _ = reaper.finish()
            throw Self.launchError(error, executable: executable)
        } catch {
            _ = reaper.finish()
            throw error
        }
        let timedOut = reaper.finish()
        let output = collector.collected
        return CommandResult(
            exitCode: Self.exitCode(status), standardOutput: output.output, standardError: output.error,
            isTruncated: output.truncated, isTimedOut: timedOut)
    }

    /// The exit code a shell would report: the code, or 128 + the signal's number.
    private static func exitCode(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }

    private static func launchError(_ error: SubprocessError, executable: String) -> LaunchError {
        if error.code == .executableNotFound { return .notFound(executable) }
        if let errno = error.underlyingError, [ENOENT, EACCES, ENOTDIR, ENOEXEC].contains(errno.rawValue) {
            return .notFound(executable)
        }
        return .failed("\(error)")
    }
}
