import ArgumentParser

/// What every client command takes (`connect`, `chat`, `exec`, `put`, `get`, `ls`,
/// `bench`; SPEC §5): the server's address, first.
struct ClientOptions: ParsableArguments {
    /// The server, as the user wrote it: `HOST:PORT`, `[IPV6]:PORT` or `unix:PATH`.
    @Argument(help: "The server: HOST:PORT, [IPV6]:PORT or unix:PATH.")
    var address: String
}
