import ArgumentParser

/// `--quiet` of `put` and `get`: no progress bar.
struct ProgressFlag: ParsableArguments {
    /// Whether `--quiet` was given.
    @Flag(help: "No progress bar.")
    var quiet = false
}
