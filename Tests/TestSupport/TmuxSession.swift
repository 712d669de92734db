import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real terminal for a test: a detached tmux session on a tmux server of its own (its
/// socket in a temporary directory, no configuration file), running one command. Keys
/// go in with `send-keys`, the screen comes out with `capture-pane`. The server (and so
/// the command) is stopped, and the directory removed, by ``kill()`` or when this goes away.
///
/// The server runs in the foreground (`tmux -D`) as this process's child: a tmux client
/// that forks a daemon server is never seen to exit by Foundation's `Process` (it stays
/// a zombie), and a child is stopped by its PID.
public final class TmuxSession: Sendable {
    /// Whether `tmux` is installed (`.ci/run` installs it).
    public static var isInstalled: Bool { Products.isOnPath("tmux") }

    private let directory: TemporaryDirectory
    private let server: ChildProcess
    private var socketPath: String { directory.file("tmux") }

    /// Starts `command` (run without a shell) in a detached `width`×`height` session.
    ///
    /// - Throws: ``HarnessError`` when tmux does not start it.
    public init(_ command: [String], width: Int = 100, height: Int = 24) throws {
        directory = try TemporaryDirectory("sock-tmux")
        do {
            server = try ChildProcess("/usr/bin/env", ["tmux", "-S", directory.file("tmux"), "-f", "/dev/null", "-D"])
        } catch {
            directory.remove()
            throw error
        }
        do {
            let deadline = ContinuousClock.now + testTimeout
            while !FileManager.default.fileExists(atPath: directory.file("tmux")) {
                guard ContinuousClock.now < deadline, !server.hasExited else {
                    throw HarnessError("tmux -D did not start: \(server.standardError.text)")
                }
                usleep(10_000)
            }
            try tmux(["new-session", "-d", "-s", "test", "-x", "\(width)", "-y", "\(height)", "--"] + command)
        } catch {
            kill()
            throw error
        }
    }

    deinit { kill() }

    /// Types `text` as it is (`send-keys -l`).
    public func type(_ text: String) throws { try tmux(["send-keys", "-t", "test", "-l", text]) }

    /// Presses keys by tmux's names: `Enter`, `Left`, `End`, `C-d`, `C-c`.
    public func press(_ keys: String...) throws { try tmux(["send-keys", "-t", "test"] + keys) }

    /// The screen's lines, without trailing spaces and trailing blank lines; with
    /// `styles`, with the escape sequences of their colours and attributes (`capture-pane -e`).
    public func screen(styles: Bool = false) throws -> [String] {
        let text = try tmux(["capture-pane", "-p", "-t", "test"] + (styles ? ["-e"] : []))
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line[..<(line.lastIndex { $0 != " " }.map(line.index(after:)) ?? line.startIndex)])
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// The cursor's column (0 is the first).
    public func cursorColumn() throws -> Int {
        let text = try tmux(["display-message", "-p", "-t", "test", "#{cursor_x}"])
        guard let column = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("tmux cursor_x: \(text)")
        }
        return column
    }

    /// The process id of the command the pane runs.
    public func panePID() throws -> Int32 {
        let text = try tmux(["display-message", "-p", "-t", "test", "#{pane_pid}"])
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("tmux pane_pid: \(text)")
        }
        return pid
    }

    /// Reads the screen every 20 ms until `condition` holds of it or `limit` passes.
    ///
    /// - Returns: The screen that satisfied `condition`; nil when none did in time.
    public func waitForScreen(
        within limit: Duration = testTimeout, styles: Bool = false, until condition: ([String]) -> Bool
    ) throws -> [String]? {
        let deadline = ContinuousClock.now + limit
        while true {
            let lines = try screen(styles: styles)
            if condition(lines) { return lines }
            guard ContinuousClock.now < deadline else { return nil }
            usleep(20_000)
        }
    }

    /// Stops the session's tmux server (only this one: it has its own socket; its
    /// panes' processes get SIGHUP) and removes its directory.
    public func kill() {
        if !server.hasExited {
            _ = try? tmux(["kill-server"])
            server.stop()
        }
        directory.remove()
    }

    /// Runs `tmux -S SOCKET -f /dev/null ARGUMENTS`; its stdout.
    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let result = try ChildProcess.run(
            "/usr/bin/env", ["tmux", "-S", socketPath, "-f", "/dev/null"] + arguments, timeout: testTimeout)
        guard result.status == 0 else {
            throw HarnessError("tmux \(arguments.joined(separator: " ")): exit \(result.status): \(result.standardError)")
        }
        return result.outputText
    }
}
