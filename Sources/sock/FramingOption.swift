import ArgumentParser
import Framing

/// `--framing raw|line|length|seed`: how messages are delimited on a stream (SPEC §3),
/// for `serve` and `connect`. Each command has its own default.
struct FramingOption: ParsableArguments {
    /// The framing given; nil without `--framing`.
    @Option(
        name: .customLong("framing"),
        help: ArgumentHelp(
            "How messages are delimited (default: raw for connect and the echo service, line for the other services):",
            valueName: "framing"))
    var given: Framing?

    /// The framing given, or `defaultFraming` without `--framing`.
    func framing(default defaultFraming: Framing) -> Framing {
        given ?? defaultFraming
    }
}

/// Each framing shows in the help with what it means.
extension Framing: ExpressibleByArgument {
    /// One line for the help screen.
    public var defaultValueDescription: String {
        switch self {
        case .raw: "no boundaries: bytes as they come (like netcat)"
        case .line: "each message ends with \\n"
        case .length: "a 4-byte big-endian length, then the message"
        case .seed: "a 4-byte little-endian length, then the message (seed 003's struct.pack('i'))"
        }
    }
}
