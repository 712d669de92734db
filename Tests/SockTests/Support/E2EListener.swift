import TestSupport

/// A running `sock listen` (or `sock relay`), past its `listening on ADDR` line.
final class E2EListener {
    /// The process; killed, if still running, when it goes away.
    let child: ChildProcess
    /// The address from the `listening on` line.
    let address: String

    /// Starts `sock ARGUMENTS` and waits for `listening on ADDR` on stderr (`listen`)
    /// or stdout (`relay`).
    init(
        _ arguments: [String], input: [UInt8]? = nil, keepingStandardInputOpen: Bool = false,
        announcedOnStandardOutput: Bool = false
    ) throws {
        child = try ChildProcess(Products.sock, arguments, input: input, keepingStandardInputOpen: keepingStandardInputOpen)
        let announcements = announcedOnStandardOutput ? child.standardOutput : child.standardError
        let line = try announcements.line { $0.hasPrefix("listening on ") }
        address = String(line.dropFirst("listening on ".count))
    }

    /// SIGTERM (or `signal`), then the exit status; nil if it had to be killed.
    @discardableResult
    func stop(_ signal: Int32 = 15) -> Int32? { child.stop(signal) }
}
