import ArgumentParser

/// `--hex` (SPEC §5): a hex dump of both directions of a client's connection on stderr.
struct HexFlag: ParsableArguments {
    @Flag(help: "Hex dump of both directions on stderr ('>' sent, '<' received).")
    var hex = false
}
