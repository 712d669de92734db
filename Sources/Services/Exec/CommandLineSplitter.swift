/// Splits a command line into arguments with the POSIX shell's quoting rules, and
/// nothing else of the shell: no expansion, no pipes, no redirection, no globbing.
///
/// The rules (POSIX.1 "Quoting"):
/// - Unquoted spaces, tabs and newlines separate arguments.
/// - `'…'` keeps every character up to the next `'` literally.
/// - `"…"` keeps every character literally, except that a backslash before `"`, `\`,
///   `$`, a backtick or a newline escapes it (a backslash-newline disappears).
/// - An unquoted backslash keeps the next character literally (a backslash-newline
///   disappears); a backslash at the very end stays a backslash, as in bash.
/// - `''` and `""` make an empty argument.
///
/// Everything a shell would interpret — `|`, `&`, `;`, `<`, `>`, `(`, `)`, `$`,
/// backticks, `*`, `?`, `[`, `~`, `#`, `=` — is an ordinary character of an argument.
/// `echo 'a b' "c;d" \$HOME` splits into `["echo", "a b", "c;d", "$HOME"]`.
///
/// Python: `shlex.split(text, comments=False, posix=True)`.
public enum CommandLineSplitter {
    /// Why a command line could not be split.
    public enum SplitError: Error, Sendable, Equatable, CustomStringConvertible {
        /// A `'` or `"` was opened and never closed.
        case unterminatedQuote(Character)
        /// The command line holds no argument at all.
        case empty
        /// An argument holds a NUL character, which no program can receive.
        case nulCharacter

        /// One line of English for an error reply.
        public var description: String {
            switch self {
            case .unterminatedQuote(let quote): "unterminated \(quote) quote"
            case .empty: "empty command"
            case .nulCharacter: "an argument contains a NUL character"
            }
        }
    }

    /// Splits `commandLine` into arguments.
    ///
    /// - Parameter commandLine: The text, such as `ls -l "my file"`.
    /// - Returns: The arguments, the program first; never empty.
    /// - Throws: ``SplitError`` for an unterminated quote, an empty command line or a
    ///   NUL character.
    public static func split(_ commandLine: String) throws(SplitError) -> [String] {
        var arguments: [String] = []
        var current = ""
        var inArgument = false
        var characters = Array(commandLine.unicodeScalars)[...]

        while let scalar = characters.popFirst() {
            switch scalar {
            case " ", "\t", "\n":
                if inArgument {
                    arguments.append(current)
                    current = ""
                    inArgument = false
                }
            case "'":
                inArgument = true
                guard let end = characters.firstIndex(of: "'") else { throw .unterminatedQuote("'") }
                current.unicodeScalars.append(contentsOf: characters[..<end])
                characters = characters[(end + 1)...]
            case "\"":
                inArgument = true
                try readDoubleQuoted(&characters, into: &current)
            case "\\":
                switch characters.popFirst() {
                case "\n":
                    break
                case let escaped?:
                    inArgument = true
                    current.unicodeScalars.append(escaped)
                case nil:
                    inArgument = true
                    current.unicodeScalars.append("\\")
                }
            default:
                inArgument = true
                current.unicodeScalars.append(scalar)
            }
        }
        if inArgument { arguments.append(current) }
        guard !arguments.isEmpty else { throw .empty }
        guard !arguments.contains(where: { $0.unicodeScalars.contains("\0") }) else { throw .nulCharacter }
        return arguments
    }

    /// Reads the rest of a double-quoted part, after its opening `"`, up to and
    /// including its closing `"`.
    private static func readDoubleQuoted(
        _ characters: inout ArraySlice<Unicode.Scalar>, into current: inout String
    ) throws(SplitError) {
        while let scalar = characters.popFirst() {
            switch scalar {
            case "\"":
                return
            case "\\":
                guard let next = characters.first else { throw .unterminatedQuote("\"") }
                switch next {
                case "\"", "\\", "$", "`":
                    current.unicodeScalars.append(next)
                    characters.removeFirst()
                case "\n":
                    characters.removeFirst()
                default:
                    current.unicodeScalars.append("\\")
                }
            default:
                current.unicodeScalars.append(scalar)
            }
        }
        throw .unterminatedQuote("\"")
    }
}
