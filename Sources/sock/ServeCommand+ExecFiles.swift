import Services

/// The `exec` and `files` services, configured from `sock serve`'s options.
extension ServeCommand {
    /// `sock serve exec --allow PROGRAM … [--token-file F] [--timeout S] [--max-output B] [--protocol json|seed]`.
    ///
    /// - Throws: ``CommandFailure`` without `--allow`, with a token and the seed
    ///   protocol (which has no place for one), or with limits that are not positive.
    func makeExecService() throws -> ExecService {
        guard !allow.isEmpty else {
            throw CommandFailure("exec needs at least one --allow PROGRAM (--allow '*' allows every program)")
        }
        let timeout = timeout ?? 10
        let maxOutput = maxOutput ?? 1024 * 1024
        let execProtocol = execProtocol ?? .json
        guard timeout > 0, timeout.isFinite else { throw CommandFailure("--timeout must be a positive number of seconds") }
        guard maxOutput >= 0 else { throw CommandFailure("--max-output must not be negative") }
        if tokenFile != nil && execProtocol == .seed {
            throw CommandFailure("--token-file needs --protocol json: seed 003's protocol has no place for a token")
        }
        let token = try tokenFile.map(TokenFile.read)
        let logger = StandardErrorLog.logger(quiet: quiet)
        let allowList = ExecAllowList(allow)
        if allowList.allowsEverything {
            logger.warning("warning: --allow '*' lets every client run any program as this user")
        }
        return ExecService(
            allowList: allowList, token: token,
            runner: CommandRunner(timeout: .milliseconds(Int64(timeout * 1000)), maximumOutput: maxOutput),
            wireProtocol: execProtocol, logger: logger)
    }

    /// `sock serve files --root DIR [--max-size BYTES] [--read-only]`.
    ///
    /// - Throws: ``CommandFailure`` without `--root`, or when it cannot be opened.
    func makeFilesService() throws -> FilesService {
        guard let root else { throw CommandFailure("files needs --root DIR") }
        if let maxSize, maxSize < 0 { throw CommandFailure("--max-size must not be negative") }
        do {
            return try FilesService(root: root, maximumSize: maxSize, readOnly: readOnly, logger: StandardErrorLog.logger(quiet: quiet))
        } catch {
            throw CommandFailure("--root: \(error)")
        }
    }
}
