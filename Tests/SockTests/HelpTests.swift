import Foundation
import Testing

extension E2ESuite {
    /// `sock --help`, `sock SUBCOMMAND --help` and `sock --version`.
    @Suite struct HelpTests {
        /// A help screen split into its sections (`OPTIONS`, `EXEC OPTIONS`, …): the
        /// option names (`--listen`, `-o`) and argument names (`<address>`) each lists,
        /// ArgumentParser's own `-h, --help` and `--version` left out.
        private struct HelpScreen {
            var text: String
            var sections: [String: [String]] = [:]

            init(_ text: String) {
                self.text = text
                var section = ""
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    if let first = line.first, first != " ", line.hasSuffix(":") {
                        section = String(line.dropLast())
                        continue
                    }
                    let entry = line.trimmingCharacters(in: .whitespaces)
                    guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = entry.split(separator: " ").first else {
                        continue
                    }
                    let names = entry.split(separator: " ").prefix { $0.hasPrefix("-") }.map {
                        String($0.trimmingCharacters(in: [","]))
                    }
                    if names.contains("--help") || names == ["--version"] { continue }
                    sections[section, default: []] += names.isEmpty ? [String(name)] : names
                }
            }

            /// Every option and argument name, whatever its section.
            var allNames: Set<String> { Set(sections.values.joined()) }
        }

        /// ConnectionOptions: `-v`, `-w`, `--source`, `-4`, `-6`.
        private static let connectionOptions = ["-v", "--verbose", "-w", "--timeout", "--source", "-4", "-6"]
        /// What `--tls` adds to a client command (`TLSClientOptions`).
        static let tlsClientOptions = [
            "--tls", "--tls-ca", "--tls-server-name", "--tls-insecure", "--tls-cert", "--tls-key", "--tls-alpn",
        ]

        private static func help(_ arguments: [String]) throws -> HelpScreen {
            let result = try E2ERun.sock(arguments + ["--help"])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            return HelpScreen(result.outputText)
        }

        @Test(arguments: [
            (
                "serve",
                [
                    "<service>", "--listen", "--udp", "--framing", "--max-connections", "--idle-timeout", "--quiet",
                    "--threads", "--reuse-port", "--allow", "--token-file", "--timeout", "--max-output", "--protocol", "--root",
                    "--max-size",
                    "--read-only", "--tls-cert", "--tls-key", "--tls-client-ca", "--tls-self-signed",
                    "--cluster", "--cluster-ca", "--room", "--node", "--cluster-node-ttl",
                ]
            ),
            (
                "connect",
                [
                    "<address>", "--udp", "--framing", "--wait", "--hex", "--crlf",
                ] + Self.connectionOptions + Self.tlsClientOptions
            ),
            ("chat", ["<address>", "--name", "--hex", "--crlf"] + Self.connectionOptions + Self.tlsClientOptions),
            ("exec", ["<address>", "<command>", "--token-file", "--hex"] + Self.connectionOptions + Self.tlsClientOptions),
            ("put", ["<address>", "<file>", "--as", "--quiet", "--hex"] + Self.connectionOptions + Self.tlsClientOptions),
            ("get", ["<address>", "<name>", "-o", "--quiet", "--hex"] + Self.connectionOptions + Self.tlsClientOptions),
            ("ls", ["<address>", "-h", "--human-readable", "--json", "--hex"] + Self.connectionOptions + Self.tlsClientOptions),
            (
                "bench",
                [
                    "<address>", "--connections", "--size", "--pipeline", "--mode", "--duration", "--warmup", "--udp",
                    "--threads",
                    "--json",
                ] + Self.connectionOptions + Self.tlsClientOptions
            ),
            ("resolve", ["<host>", "<port>"]),
            ("probe", ["<host>", "<ports>", "-w", "--timeout"]),
            (
                "listen",
                [
                    "<address>", "-k", "--keep-listening", "--udp", "-v", "--verbose", "--hex", "--crlf", "-w", "--timeout",
                    "--exec",
                ]
            ),
            (
                "relay",
                ["<listen>", "<target>", "--udp", "--connect-timeout", "--quiet", "-v", "--verbose", "--hex", "--threads"]
            ),
        ])
        func help_ListsEveryOptionAndArgument_ForEachSubcommand(_ subcommand: String, _ names: [String]) throws {
            let screen = try Self.help([subcommand])
            #expect(screen.allNames == Set(names), "\(screen.text)")
        }

        @Test(arguments: [
            "serve", "connect", "chat", "exec", "put", "get", "ls", "bench", "resolve", "probe", "listen", "relay",
        ])
        func help_ShowsExamples_ForEachSubcommand(_ subcommand: String) throws {
            let screen = try Self.help([subcommand])
            let lines = screen.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let start = try #require(lines.firstIndex(of: "Examples:"), "\(screen.text)")
            let examples = lines[(start + 1)...].prefix { $0.hasPrefix("    ") }
            let commands = examples.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") }
            #expect(!commands.isEmpty, "\(screen.text)")
            for command in commands {
                #expect(command.contains("sock \(subcommand) "), "\(command)")
                #expect(command.count <= 76, "wrapped at 80 columns: \(command)")
            }
        }

        @Test func serveHelp_DescribesEachServiceOnce_AndGroupsExecAndFilesOptions() throws {
            let screen = try Self.help(["serve"])
            let lines = screen.text.split(separator: "\n").map(String.init)
            for service in ["echo", "upper", "hello", "time", "chat", "exec", "files"] {
                // One line of its own, `echo - sends every message back…`, and no list naming it again.
                let described = lines.filter {
                    $0.trimmingCharacters(in: .whitespaces).hasPrefix("\(service) ") && $0.contains(" - ")
                }
                #expect(described.count == 1, "\(service): \(screen.text)")
            }
            #expect(!screen.text.contains("echo, upper"), "\(screen.text)")
            #expect(
                screen.sections["EXEC OPTIONS"] == ["--allow", "--token-file", "--timeout", "--max-output", "--protocol"],
                "\(screen.text)")
            #expect(screen.sections["FILES OPTIONS"] == ["--root", "--max-size", "--read-only"], "\(screen.text)")
            #expect(
                screen.sections["CLUSTER CHAT OPTIONS"] == [
                    "--cluster", "--cluster-ca", "--room", "--node", "--cluster-node-ttl",
                ],
                "\(screen.text)")
            #expect(
                screen.sections["OPTIONS"] == [
                    "--listen", "--udp", "--framing", "--max-connections", "--idle-timeout", "--quiet", "--threads",
                    "--reuse-port",
                ], "\(screen.text)")
        }

        @Test func version_PrintsTheVersion_AndExitsZero() throws {
            let result = try E2ERun.sock(["--version"])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.standardError == "")
            #expect(result.outputText.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+\n/) != nil, "stdout: \(result.outputText)")
        }
    }
}
