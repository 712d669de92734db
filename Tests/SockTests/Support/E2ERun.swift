import TestSupport

/// Runs `sock`, `seeds` and the Python scripts to completion.
enum E2ERun {
    /// Runs `sock ARGUMENTS` with stdin `input`; kills it past `timeout`.
    static func sock(
        _ arguments: [String], input: [UInt8] = [], directory: String? = nil, timeout: Duration = .seconds(20)
    ) throws -> ProcessResult {
        try ChildProcess.run(Products.sock, arguments, input: input, directory: directory, timeout: timeout)
    }

    /// Runs `sock ARGUMENTS` with `input` text on stdin.
    static func sock(_ arguments: [String], input: String, timeout: Duration = .seconds(20)) throws -> ProcessResult {
        try sock(arguments, input: Array(input.utf8), timeout: timeout)
    }

    /// Runs `seeds ARGUMENTS` (the seed tutorials' programs) with `input` text on stdin.
    static func seeds(_ arguments: [String], input: String = "", timeout: Duration = .seconds(20)) throws -> ProcessResult {
        try ChildProcess.run(try Products.executable("seeds"), arguments, input: Array(input.utf8), timeout: timeout)
    }

    /// Runs a script of `Tests/Python` with python3.
    static func python(_ script: String, _ arguments: [String], input: String = "", timeout: Duration = .seconds(20)) throws
        -> ProcessResult
    {
        try ChildProcess.run(
            "/usr/bin/env", ["python3", Products.python(script)] + arguments, input: Array(input.utf8), timeout: timeout)
    }
}
