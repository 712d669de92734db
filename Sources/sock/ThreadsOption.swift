import ArgumentParser
import Sockets

/// `--threads N` of `serve` and `bench`: how many reactors, one thread each (SPEC §7).
struct ThreadsOption: ParsableArguments {
    /// The number given, if any.
    @Option(help: "Reactor threads to spread connections over (default: the cores this process may run on).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// The reactors to run on: the process-wide group (one per core) unless `--threads` says
    /// otherwise.
    func makeReactors() throws -> ReactorGroup {
        guard let threads, threads != ReactorGroup.availableCores else { return .shared }
        return try ReactorGroup(threads: threads)
    }
}
