import Foundation

/// How `sock chat` shows the lines it receives: on a terminal, notices (`* …`) dim and
/// errors (`! …`) bold red, so that an error does not read as a notice; plain text when
/// stdout is not a terminal or `NO_COLOR` is set (no-color.org).
struct ChatStyle {
    /// Whether lines get ANSI styles.
    let colours: Bool

    /// Colours only when stdout is a terminal and `NO_COLOR` is unset or empty.
    static var standardOutput: ChatStyle {
        let noColour = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return ChatStyle(colours: isatty(STDOUT_FILENO) == 1 && !noColour)
    }

    /// `line` as it is shown.
    func styled(_ line: String) -> String {
        guard colours else { return line }
        if line.hasPrefix("! ") { return "\u{1B}[1;31m\(line)\u{1B}[0m" }
        if line.hasPrefix("* ") { return "\u{1B}[2m\(line)\u{1B}[0m" }
        return line
    }
}
