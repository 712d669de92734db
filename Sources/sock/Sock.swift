import ArgumentParser
import Sockets

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// `sock`: runs the seed services and is their client, load generator and resolver.
@main
struct Sock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sock",
        abstract: "Socket services and their clients.",
        discussion: "Addresses are HOST:PORT, [IPV6]:PORT or unix:PATH.",
        subcommands: [
            ServeCommand.self, ConnectCommand.self, ChatCommand.self, BenchCommand.self, ResolveCommand.self,
        ]
    )

    /// Runs the command; failures print one line, `sock: …`, and exit non-zero.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as SocketError {
            fail("\(error)")
        } catch {
            exit(withError: error)
        }
    }

    /// Prints an error as one `sock: …` line on stderr.
    static func report(_ error: any Error) {
        fputs("sock: \(error)\n", stderr)
    }

    static func fail(_ message: String, code: Int32 = 1) -> Never {
        fputs("sock: \(message)\n", stderr)
        Glibc.exit(code)
    }
}
