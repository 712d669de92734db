/// The programs an `exec` server may run (`--allow PROGRAM`, repeatable).
///
/// Matching is by the exact text, never by what a name would resolve to:
/// - `--allow ls` allows the request `ls`, which runs whatever `ls` the server's `PATH`
///   finds; it does not allow `/bin/ls` or `./ls`.
/// - `--allow /bin/ls` allows the request `/bin/ls`, and also the bare name `ls`, which
///   then runs `/bin/ls` itself (no `PATH` search), so the name cannot pick another file.
/// - `--allow '*'` allows every program, names and paths alike.
public struct ExecAllowList: Sendable, Equatable {
    /// The programs as given to `--allow`.
    public let programs: [String]

    /// Creates an allow list.
    ///
    /// - Parameter programs: Program names (looked up in `PATH`) or paths, or `*` for all.
    public init(_ programs: [String]) {
        self.programs = programs
    }

    /// Whether the list allows every program (it holds `*`).
    public var allowsEverything: Bool { programs.contains("*") }

    /// Whether the list is empty, which a server refuses.
    public var isEmpty: Bool { programs.isEmpty }

    /// What to run for a requested program, or `nil` when it is not allowed.
    ///
    /// - Parameter program: The first argument of the request: a name or a path.
    /// - Returns: `program` itself, or the allowed absolute path for a bare name whose
    ///   last component it is.
    public func resolve(_ program: String) -> String? {
        guard !program.isEmpty else { return nil }
        if programs.contains(program) || allowsEverything { return program }
        guard !program.contains("/") else { return nil }
        return programs.first { $0.hasPrefix("/") && $0.split(separator: "/").last.map(String.init) == program }
    }
}
