import Foundation
import TestSupport
import Testing

extension E2ESuite {
    /// The progress of `sock put` and `sock get`: the bar (rate, ETA) on a terminal only,
    /// and a summary line on stderr on a terminal or with `-v`; silent in a pipe, as
    /// netcat is, and with `--quiet`.
    @Suite struct TransferProgressTests {
        /// Whether `line` is a summary, `3.0 MiB in 0.05 s, 61.2 MiB/s, sha256 ok` (the
        /// figures vary, the shape does not).
        static func isSummary(_ line: String) -> Bool {
            line.wholeMatch(of: /[0-9]+\.[0-9] MiB in [0-9]+\.[0-9]+ s, [0-9]+(\.[0-9])? (B|KiB|MiB|GiB)\/s, sha256 ok/) != nil
        }

        /// A files server on a fresh root, and a 3 MiB local file `data.bin` beside it.
        struct Setup {
            let temporary: TemporaryDirectory
            let server: E2EServer
            var directory: String { temporary.path }

            init() throws {
                temporary = try TemporaryDirectory("sock-e2e")
                try FileManager.default.createDirectory(atPath: temporary.path + "/root", withIntermediateDirectories: false)
                try Data(bytePattern(count: 3 * 1024 * 1024)).write(to: URL(fileURLWithPath: temporary.path + "/data.bin"))
                server = try E2EServer.serve("files", ["--root", temporary.path + "/root", "--quiet"])
            }

            func finish() {
                server.stop()
                temporary.remove()
            }
        }

        /// Runs `sock ARGUMENTS` on a pseudo-terminal (`script(1)`): what it wrote there,
        /// stdout and stderr together.
        static func onTerminal(_ arguments: [String], timeout: Duration = .seconds(20)) throws -> ProcessResult {
            let quoted = ([Products.sock] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            return try ChildProcess.run(
                "/usr/bin/script", ["-q", "-e", "-c", quoted.joined(separator: " "), "/dev/null"], timeout: timeout)
        }

        @Test func putAndGet_PrintSummaryOnStandardError_WhenVerboseInAPipe() async throws {
            let setup = try Setup()
            defer { setup.finish() }
            let put = try await onThread { try E2ERun.sock(["put", "-v", setup.server.address, setup.directory + "/data.bin"]) }
            #expect(put.status == 0, "\(put.standardError)")
            #expect(put.outputText == "")
            #expect(put.errorLines.filter(Self.isSummary).count == 1, "\(put.standardError)")
            #expect(put.errorLines.contains { $0.hasPrefix("3.0 MiB in ") }, "\(put.standardError)")

            let get = try await onThread {
                try E2ERun.sock(["get", "-v", setup.server.address, "data.bin", "-o", setup.directory + "/copy.bin"])
            }
            #expect(get.status == 0, "\(get.standardError)")
            #expect(get.errorLines.filter(Self.isSummary).count == 1, "\(get.standardError)")
            // No bar in a pipe: nothing redrawn with a carriage return.
            #expect(!put.standardError.contains("\r") && !get.standardError.contains("\r"))
        }

        @Test func putAndGet_PrintNothing_WhenQuietEvenIfVerbose() async throws {
            let setup = try Setup()
            defer { setup.finish() }
            let put = try await onThread {
                try E2ERun.sock(["put", "-v", "--quiet", setup.server.address, setup.directory + "/data.bin"])
            }
            #expect(put.status == 0, "\(put.standardError)")
            #expect(!put.errorLines.contains { $0.contains(" in ") || $0.contains("sha256") }, "\(put.standardError)")
            let get = try await onThread {
                try E2ERun.sock(["get", setup.server.address, "data.bin", "-o", setup.directory + "/copy.bin"])
            }
            #expect(get.status == 0)
            #expect(get.standardError == "")
        }

        @Test func put_DrawsBarWithRateAndETA_ThenSummary_OnATerminal() async throws {
            let setup = try Setup()
            defer { setup.finish() }
            let put = try await onThread { try Self.onTerminal(["put", setup.server.address, setup.directory + "/data.bin"]) }
            #expect(put.status == 0, "\(put.outputText)")
            let screen = put.outputText
            #expect(screen.contains("data.bin  [########################] 100%  3.0 MiB / 3.0 MiB"), "\(screen)")
            #expect(screen.contains("/s  ETA 0:0"), "\(screen)")
            let lines = screen.split(whereSeparator: \.isNewline).map(String.init)
            #expect(lines.last.map(Self.isSummary) == true, "\(screen)")
        }

        @Test func get_SaysNothingOfSuccess_WhenTheChecksumFails() async throws {
            let setup = try Setup()
            defer { setup.finish() }
            let missing = try await onThread {
                try E2ERun.sock(["get", "-v", setup.server.address, "missing", "-o", setup.directory + "/missing"])
            }
            #expect(missing.status == 1)
            #expect(!missing.standardError.contains("sha256 ok"), "\(missing.standardError)")
            #expect(missing.errorLines.last == "sock: no such file: missing")
        }
    }
}
