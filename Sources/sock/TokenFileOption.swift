import ArgumentParser

/// `--token-file FILE`: the exec service's shared secret, for `serve exec` (every
/// request must carry it) and `exec` (which sends it).
struct TokenFileOption: ParsableArguments {
    /// The path given; nil without `--token-file`.
    @Option(
        name: .customLong("token-file"),
        help: ArgumentHelp("A file holding the token, the secret every exec request must carry.", valueName: "file"))
    var path: String?

    /// The token in the file (see ``TokenFile``); nil without `--token-file`.
    ///
    /// - Throws: ``CommandFailure`` when the file cannot be read or holds no token.
    func token() throws(CommandFailure) -> String? {
        guard let path else { return nil }
        return try TokenFile.read(path)
    }
}
