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
        subcommands: [ServeCommand.self, ExecCommand.self, PutCommand.self, GetCommand.self, ListCommand.self, ResolveCommand.self]
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
        } catch let error as CommandFailure {
            fail(error.message, code: error.exitCode)
        } catch {
            exit(withError: error)
        }
    }

    static func fail(_ message: String, code: Int32 = 1) -> Never {
        fputs("sock: \(message)\n", stderr)
        Glibc.exit(code)
    }
}
