import ArgumentParser
import Foundation
import Sockets

/// `sock`: runs the seed services and is their client, load generator and resolver.
@main
struct Sock: AsyncParsableCommand {
    /// The version `sock --version` prints.
    static let version = "0.9.0"

    static let configuration = CommandConfiguration(
        commandName: "sock",
        abstract: "Socket services and their clients.",
        discussion: "Addresses are HOST:PORT, [IPV6]:PORT or unix:PATH.",
        version: version,
        subcommands: [
            ServeCommand.self, ConnectCommand.self, ChatCommand.self, ExecCommand.self, PutCommand.self,
            GetCommand.self, ListCommand.self, BenchCommand.self, ResolveCommand.self, ProbeCommand.self,
            ListenCommand.self, RelayCommand.self,
        ]
    )

    /// Runs the command; failures print one line, `sock: …`, and exit non-zero.
    static func main() async {
        makeStandardOutputLineBuffered()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as SocketError {
            fail("\(error)")
        } catch let error as TLSError {
            fail("\(error)")
        } catch let error as CommandFailure {
            fail(error.message, code: error.exitCode)
        } catch let error as ExitCode {
            exit(withError: error)
        } catch {
            let code = exitCode(for: error)
            let message = self.message(for: error)
            // --help and --version are not errors: ArgumentParser prints them itself.
            guard code != .success, !message.isEmpty else { exit(withError: error) }
            let oneLine = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            fail(oneLine, code: code.rawValue)
        }
    }

    /// Prints an error as one `sock: …` line on stderr.
    static func report(_ error: any Error) {
        writeStandardError("sock: \(error)\n")
    }

    static func fail(_ message: String, code: Int32 = 1) -> Never {
        writeStandardError("sock: \(message)\n")
        Glibc.exit(code)
    }
}
