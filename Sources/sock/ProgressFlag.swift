import ArgumentParser

/// `--quiet` of `put` and `get`: no progress bar and no summary line.
struct ProgressFlag: ParsableArguments {
    /// Whether `--quiet` was given.
    @Flag(help: "No progress bar and no summary line.")
    var quiet = false
}
