import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock chat` in a real terminal (tmux): lines arriving while the user types, the
    /// styles of notices and errors, and the terminal put back on every way out.
    @Suite(.enabled(if: TmuxSession.isInstalled, "tmux is not installed (.ci/run installs it)"))
    struct ChatTerminalTests {
        /// `sock chat ADDR ARGUMENTS` in a shell in tmux (without `NO_COLOR`); when it ends
        /// the shell prints `exit=STATUS` and `restored` when the terminal's settings are
        /// as before, then keeps the pane open. The prompt `> ` reads `>` on the screen
        /// (trailing spaces are trimmed).
        private static func chat(_ address: String, _ arguments: [String] = []) throws -> TmuxSession {
            let command = ([Products.sock, "chat", address] + arguments).map { "'\($0)'" }.joined(separator: " ")
            let script = """
                unset NO_COLOR; before=$(stty -g); \(command); status=$?; \
                if [ "$(stty -g)" = "$before" ]; then echo "exit=$status restored"; else echo "exit=$status NOT restored"; fi; \
                exec cat
                """
            return try TmuxSession(["/bin/sh", "-c", script])
        }

        /// The pane's process's child: `sock`.
        private static func sockPID(in session: TmuxSession) throws -> Int32 {
            let shell = try session.panePID()
            let children = try String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
            guard let pid = children.split(separator: " ").first.flatMap({ Int32($0) }) else {
                throw HarnessError("no child of the pane's shell \(shell)")
            }
            return pid
        }

        @Test func chat_RedrawsTheHalfTypedLine_WhenALineArrivesWhileTyping() throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            defer { server.stop() }
            let watcher = try server.connect()
            #expect(try watcher.receiveText() == "* guest-1 joined")
            let session = try Self.chat(server.address, ["--name", "ann"])
            defer { session.kill() }
            #expect(try watcher.receiveText() == "* ann joined")
            #expect(try session.waitForScreen { $0.last == ">" && $0.contains("* ann joined") } != nil)

            try session.type("half typed")
            try session.press("Left", "Left")
            // The keys are typed when the line shows and the cursor is back 2 columns.
            let typed = try session.waitForScreen { $0.last == "> half typed" && (try? session.cursorColumn()) == 10 }
            #expect(typed != nil, "screen: \((try? session.screen()) ?? [])")
            try watcher.send("hello from guest-1")
            let screen = try session.waitForScreen { $0.contains("guest-1: hello from guest-1") }
            #expect(screen?.last == "> half typed", "screen: \(screen ?? [])")
            #expect(screen?.filter { $0.contains("half typed") }.count == 1, "screen: \(screen ?? [])")
            // Drawn in one write: once the arrival shows, the cursor is where it was.
            #expect(try session.waitForScreen { _ in (try? session.cursorColumn()) == 10 } != nil)

            try session.press("End")
            try session.type(" line")
            try session.press("Enter")
            #expect(try watcher.receiveText() == "ann: half typed line")
            #expect(try session.waitForScreen { $0.suffix(2) == ["> half typed line", ">"] } != nil)

            try session.press("C-d")
            #expect(try watcher.receiveText() == "* ann left")
            let end = try session.waitForScreen { $0.last?.hasPrefix("exit=") == true }
            #expect(end?.last == "exit=0 restored", "screen: \(end ?? [])")
        }

        @Test func chatHex_ShowsTheDumpAboveTheHalfTypedLine_OnATerminal() throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            defer { server.stop() }
            let watcher = try server.connect()
            #expect(try watcher.receiveText() == "* guest-1 joined")
            let session = try Self.chat(server.address, ["--name", "ann", "--hex"])
            defer { session.kill() }
            #expect(try session.waitForScreen { $0.last == ">" && $0.contains("* ann joined") } != nil)

            try session.type("half typed")
            #expect(try session.waitForScreen { $0.last == "> half typed" } != nil)
            try watcher.send("hey")
            // The dump of "guest-1: hey\n" and the line itself, both above the line being typed.
            let dump = "67 75 65 73 74 2d 31 3a  20 68 65 79 0a           |guest-1: hey.|"
            let screen = try session.waitForScreen { lines in
                lines.contains("guest-1: hey") && lines.contains { $0.hasPrefix("< ") && $0.hasSuffix(dump) }
            }
            #expect(screen?.last == "> half typed", "screen: \(screen ?? [])")
            #expect(screen?.filter { $0.contains("half typed") }.count == 1, "screen: \(screen ?? [])")

            try session.press("C-c")
            let end = try session.waitForScreen { $0.last?.hasPrefix("exit=") == true }
            #expect(end?.last == "exit=0 restored", "screen: \(end ?? [])")
        }

        @Test func chat_ShowsErrorsInADifferentStyleFromNotices_OnATerminal() throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            defer { server.stop() }
            let session = try Self.chat(server.address)
            defer { session.kill() }
            #expect(try session.waitForScreen { $0.last == ">" && $0.contains("* guest-1 joined") } != nil)

            try session.type("/bogus")
            try session.press("Enter")
            let screen = try session.waitForScreen(styles: true) { $0.contains { $0.contains("! unknown command") } }
            let error = screen?.first { $0.contains("! unknown command") } ?? ""
            let notice = screen?.first { $0.contains("* guest-1 joined") } ?? ""
            #expect(error.contains("\u{1B}[") && error.contains("31"), "error line: \(error.debugDescription)")
            #expect(notice.contains("\u{1B}[") && !notice.contains("31"), "notice line: \(notice.debugDescription)")

            try session.press("C-c")
            let end = try session.waitForScreen { $0.last?.hasPrefix("exit=") == true }
            #expect(end?.last == "exit=0 restored", "screen: \(end ?? [])")
        }

        @Test(arguments: [SIGTERM, SIGHUP, SIGINT])
        func chat_RestoresTheTerminal_WhenASignalEndsIt(_ signal: Int32) throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            defer { server.stop() }
            let session = try Self.chat(server.address)
            defer { session.kill() }
            #expect(try session.waitForScreen { $0.last == ">" } != nil)
            try session.type("typing")
            #expect(try session.waitForScreen { $0.last == "> typing" } != nil)

            kill(try Self.sockPID(in: session), signal)
            let end = try session.waitForScreen { $0.last?.hasPrefix("exit=") == true }
            #expect(end?.last == "exit=\(128 + signal) restored", "screen: \(end ?? [])")
        }

        @Test func chat_RestoresTheTerminal_WhenTheServerGoesAway() throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            let session = try Self.chat(server.address)
            defer { session.kill() }
            #expect(try session.waitForScreen { $0.last == ">" } != nil)
            try session.type("typing")
            #expect(try session.waitForScreen { $0.last == "> typing" } != nil)

            server.stop(SIGKILL)
            let end = try session.waitForScreen { $0.last?.hasPrefix("exit=") == true }
            #expect(end?.last == "exit=1 restored", "screen: \(end ?? [])")
            #expect(end?.contains { $0.hasSuffix("the server closed the connection") } == true, "screen: \(end ?? [])")
        }
    }
}
