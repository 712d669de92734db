import ArgumentParser

/// `--hex` and `--crlf` (SPEC §5), for clients whose bytes are a plain stream the user
/// reads and writes (`sock connect`, `sock chat`), beside ``ConnectionOptions``.
struct ByteOptions: ParsableArguments {
    @OptionGroup var dump: HexFlag

    @Flag(help: "Send each line end as CRLF.")
    var crlf = false

    /// Whether `--hex` was given.
    var hex: Bool { dump.hex }
}
