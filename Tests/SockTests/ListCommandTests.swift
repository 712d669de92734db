import Foundation
import TestSupport
import Testing

extension E2ESuite {
    /// `sock ls`: sizes in bytes, `-h` in binary units, `--json` one document with stable keys.
    @Suite struct ListCommandTests {
        /// A files server whose root holds `big.bin` (3 MiB + 17 bytes), `notes.txt` (3
        /// bytes) and `my file é.txt` (1536 bytes).
        struct Setup {
            let temporary: TemporaryDirectory
            let server: E2EServer

            init() throws {
                temporary = try TemporaryDirectory("sock-e2e")
                let root = temporary.path + "/root"
                try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
                try Data(bytePattern(count: 3 * 1024 * 1024 + 17)).write(to: URL(fileURLWithPath: root + "/big.bin"))
                try Data("hi\n".utf8).write(to: URL(fileURLWithPath: root + "/notes.txt"))
                try Data(bytePattern(count: 1536)).write(to: URL(fileURLWithPath: root + "/my file é.txt"))
                server = try E2EServer.serve("files", ["--root", root, "--quiet"])
            }

            func finish() {
                server.stop()
                temporary.remove()
            }
        }

        @Test func ls_PrintsSizesInBytes_RightAligned() async throws {
            let setup = try Setup()
            defer { setup.finish() }
            let list = try await onThread { try E2ERun.sock(["ls", setup.server.address]) }
            #expect(list.status == 0, "\(list.standardError)")
            #expect(list.outputText == "3145745 big.bin\n   1536 my file é.txt\n      3 notes.txt\n")
        }

        @Test func ls_PrintsBinaryUnits_WhenHumanReadable() async throws {
            let setup = try Setup()
            defer { setup.finish() }
            for flag in ["-h", "--human-readable"] {
                let list = try await onThread { try E2ERun.sock(["ls", flag, setup.server.address]) }
                #expect(list.status == 0, "\(list.standardError)")
                #expect(list.outputText == "3.0 MiB big.bin\n1.5 KiB my file é.txt\n    3 B notes.txt\n")
            }
        }

        @Test func ls_PrintsOneJSONDocumentWithSortedKeys_WhenJSON() async throws {
            let setup = try Setup()
            defer { setup.finish() }
            let list = try await onThread { try E2ERun.sock(["ls", "--json", "-h", setup.server.address]) }
            #expect(list.status == 0, "\(list.standardError)")
            #expect(
                list.outputText
                    == #"{"files":[{"name":"big.bin","size":3145745},{"name":"my file é.txt","size":1536},"#
                    + #"{"name":"notes.txt","size":3}],"truncated":false}"# + "\n")
            let decoded = try JSONSerialization.jsonObject(with: Data(list.standardOutput)) as? [String: Any]
            #expect((decoded?["files"] as? [Any])?.count == 3)
        }

        @Test func ls_PrintsAnEmptyList_WhenTheRootIsEmpty() async throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let server = try E2EServer.serve("files", ["--root", temporary.path, "--quiet"])
            defer { server.stop() }
            let lines = try await onThread { try E2ERun.sock(["ls", "-h", server.address]) }
            #expect(lines.status == 0 && lines.outputText == "")
            let json = try await onThread { try E2ERun.sock(["ls", "--json", server.address]) }
            #expect(json.outputText == #"{"files":[],"truncated":false}"# + "\n")
        }

        @Test func ls_StillShowsHelp_WithLongHelp() async throws {
            let help = try await onThread { try E2ERun.sock(["ls", "--help"]) }
            #expect(help.status == 0)
            #expect(help.outputText.contains("-h, --human-readable"), "\(help.outputText)")
        }
    }
}
