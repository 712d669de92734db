import Sockets

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `sock chat` at a terminal in raw mode (``TerminalMode``): the prompt and the line
/// being typed stay on the last line; a line that arrives is printed above them, and
/// they are drawn again as they were, the cursor where it was.
///
/// The thread that reads the keys and the one that reads the server both write here;
/// a lock keeps the editor and the screen in step.
final class ChatTerminal: Sendable {
    private struct State {
        var editor = LineEditor()
        var finished = false
    }

    /// What is shown before the line being typed.
    static let prompt = "> "

    private let style: ChatStyle
    private let state = LockedValue(State())

    /// A terminal showing received lines in `style`; draws the prompt.
    init(style: ChatStyle) {
        self.style = style
        draw(LineEditor.clearLine + Self.prompt)
    }

    /// Prints a line that arrived above the prompt, then draws the prompt and the line
    /// being typed again.
    func show(_ line: String) {
        state.withLock { state in
            guard !state.finished else { return }
            draw(LineEditor.clearLine + style.styled(line) + "\n" + state.editor.redraw(prompt: Self.prompt, width: Self.width))
        }
    }

    /// Edits the line by the keys in `bytes` and draws it; a line submitted stays on
    /// the screen after its prompt, and a new prompt follows it.
    ///
    /// - Returns: What the keys ask beyond editing, in order.
    func feed(_ bytes: some Sequence<UInt8>) -> [LineEditor.Event] {
        state.withLock { state in
            guard !state.finished else { return [] }
            var output = ""
            var events: [LineEditor.Event] = []
            // One key at a time: a line submitted is drawn before the next one is edited.
            for byte in bytes {
                let keyEvents = state.editor.feed(CollectionOfOne(byte))
                for case .submit(let text) in keyEvents {
                    output += LineEditor.clearLine + Self.prompt + text + "\n"
                }
                events += keyEvents
            }
            output += state.editor.redraw(prompt: Self.prompt, width: Self.width)
            draw(output)
            return events
        }
    }

    /// Erases the prompt's line; nothing is drawn from now on.
    func finish() {
        state.withLock { state in
            guard !state.finished else { return }
            state.finished = true
            draw(LineEditor.clearLine)
        }
    }

    /// The terminal's width in columns (80 when it cannot tell).
    private static var width: Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    private func draw(_ text: String) {
        var text = text
        text.withUTF8 { try? writeStandardOutput(UnsafeRawBufferPointer($0)) }
    }
}
