import ArgumentParser

/// `--udp`: datagrams instead of a stream, for `serve`, `connect` and `bench`. With a
/// `unix:PATH` address they are Unix datagrams.
struct DatagramFlag: ParsableArguments {
    /// Whether `--udp` was given.
    @Flag(help: "Datagrams (UDP, or Unix datagrams at unix:PATH) instead of a stream.")
    var udp = false
}
