import ArgumentParser

/// `--hex` and `--crlf` (SPEC §5), for clients whose bytes are a plain stream the user
/// reads and writes (`sock connect`), beside ``ConnectionOptions``.
struct ByteOptions: ParsableArguments {
    @Flag(help: "Hex dump of both directions on stderr ('>' sent, '<' received).")
    var hex = false

    @Flag(help: "Send each line end as CRLF.")
    var crlf = false
}
