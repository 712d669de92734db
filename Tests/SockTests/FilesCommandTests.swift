import Foundation
import Framing
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("sock put, get, ls and sock serve files", .timeLimit(.minutes(1)))
struct FilesCommandTests {
    /// The names in a directory, hidden ones included, sorted.
    static func contents(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    @Test("put, ls and get over a unix socket; errors in one line; SIGTERM exits 0 and removes the socket")
    func files_EndToEnd() async throws {
        let temporary = try TemporaryDirectory("sock-e2e")
        defer { temporary.remove() }
        let directory = temporary.path
        let root = directory + "/root"
        let downloads = directory + "/downloads"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: false)
        let data = Data(bytePattern(count: 3 * 1024 * 1024 + 17))
        try data.write(to: URL(fileURLWithPath: directory + "/data.bin"))
        try Data("hi\n".utf8).write(to: URL(fileURLWithPath: directory + "/small.txt"))
        let socketPath = directory + "/files.sock"
        let server = try E2EServer.sock([
            "serve", "files", "--listen", "unix:" + socketPath, "--root", root, "--max-size", "10000000",
        ])

        let put = try await onThread { try E2ERun.sock(["put", server.address, directory + "/data.bin"]) }
        #expect(put.status == 0)
        #expect(put.outputText == "")
        #expect(put.standardError == "")
        let putAs = try await onThread {
            try E2ERun.sock(["put", server.address, directory + "/small.txt", "--as", "notes.txt"])
        }
        #expect(putAs.status == 0)
        #expect(Self.contents(root) == ["data.bin", "notes.txt"])

        let list = try await onThread { try E2ERun.sock(["ls", server.address]) }
        #expect(list.status == 0)
        #expect(list.outputText == "3145745 data.bin\n      3 notes.txt\n")

        let get = try await onThread { try E2ERun.sock(["get", server.address, "data.bin", "-o", downloads + "/copy.bin"]) }
        #expect(get.status == 0)
        #expect(get.standardError == "")
        #expect(try Data(contentsOf: URL(fileURLWithPath: downloads + "/copy.bin")) == data)

        let byDefaultName = try await onThread { try E2ERun.sock(["get", server.address, "notes.txt"], directory: downloads) }
        #expect(byDefaultName.status == 0)
        #expect(try String(contentsOfFile: downloads + "/notes.txt", encoding: .utf8) == "hi\n")

        let toStandardOutput = try await onThread { try E2ERun.sock(["get", server.address, "notes.txt", "-o", "-"]) }
        #expect(toStandardOutput.outputText == "hi\n")

        let missing = try await onThread { try E2ERun.sock(["get", server.address, "missing", "-o", downloads + "/missing"]) }
        #expect(missing.status == 1)
        #expect(missing.standardError == "sock: no such file: missing\n")

        let escape = try await onThread {
            try E2ERun.sock(["put", server.address, directory + "/small.txt", "--as", "../escape"])
        }
        #expect(escape.status == 1)
        #expect(escape.standardError == "sock: invalid name: '..' is not allowed\n")

        let noLocal = try await onThread { try E2ERun.sock(["put", server.address, directory + "/nope"]) }
        #expect(noLocal.status == 1)
        #expect(noLocal.standardError == "sock: open \(directory)/nope: no such file or directory\n")

        #expect(Self.contents(downloads) == ["copy.bin", "notes.txt"])
        #expect(Self.contents(root) == ["data.bin", "notes.txt"])
        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: socketPath))
    }

    @Test("a put over --max-size is refused at once, not after the whole upload")
    func put_OverMaxSize() async throws {
        let temporary = try TemporaryDirectory("sock-e2e")
        defer { temporary.remove() }
        let directory = temporary.path
        try FileManager.default.createDirectory(atPath: directory + "/root", withIntermediateDirectories: false)
        try Data(bytePattern(count: 2 * 1024 * 1024)).write(to: URL(fileURLWithPath: directory + "/big.bin"))
        let server = try E2EServer.sock([
            "serve", "files", "--listen", "127.0.0.1:0", "--root", directory + "/root", "--max-size", "1000", "--quiet",
        ])
        let put = try await onThread { try E2ERun.sock(["put", server.address, directory + "/big.bin"], timeout: .seconds(10)) }
        #expect(put.status == 1)
        #expect(put.standardError == "sock: file of 2097152 bytes is over the limit of 1000 bytes\n")
        #expect(Self.contents(directory + "/root") == [])
        #expect(server.stop() == 0)
    }

    @Test("--read-only refuses puts")
    func put_ReadOnly() async throws {
        let temporary = try TemporaryDirectory("sock-e2e")
        defer { temporary.remove() }
        let directory = temporary.path
        try FileManager.default.createDirectory(atPath: directory + "/root", withIntermediateDirectories: false)
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/x"))
        let server = try E2EServer.sock([
            "serve", "files", "--listen", "127.0.0.1:0", "--root", directory + "/root", "--read-only", "--quiet",
        ])
        let put = try await onThread { try E2ERun.sock(["put", server.address, directory + "/x"]) }
        #expect(put.status == 1)
        #expect(put.standardError == "sock: the server is read-only\n")
        #expect(server.stop() == 0)
    }

    @Test("sock serve files without a usable --root: one line, non-zero")
    func serve_RequiresRoot() async throws {
        let missing = try await onThread { try E2ERun.sock(["serve", "files", "--listen", "127.0.0.1:0"]) }
        #expect(missing.status != 0)
        #expect(missing.standardError == "sock: files needs --root DIR\n")
        let absent = try await onThread {
            try E2ERun.sock(["serve", "files", "--listen", "127.0.0.1:0", "--root", "/nonexistent-sock-root"])
        }
        #expect(absent.status != 0)
        #expect(absent.standardError == "sock: --root: open /nonexistent-sock-root: no such file or directory\n")
    }

    @Test("sock get checks the checksum and leaves nothing behind when it does not match")
    func get_ChecksumMismatch() async throws {
        let temporary = try TemporaryDirectory("sock-e2e")
        defer { temporary.remove() }
        let directory = temporary.path
        // A server that lies: announces one SHA-256 and sends other bytes.
        let listener = try Socket.listen(on: "127.0.0.1:0")
        defer { listener.close() }
        listener.timeout = .seconds(10)
        let address = try listener.localAddress()
        let liar = Task.detached {
            let (connection, _) = try listener.accept()
            defer { connection.close() }
            connection.timeout = .seconds(10)
            var decoder = LengthPrefixedDecoder(.length)
            _ = try connection.recvMessage(&decoder)
            var reply: [UInt8] = []
            let header = #"{"ok":true,"sha256":"\#(String(repeating: "0", count: 64))","size":5}"#
            try LengthPrefixedEncoder(.length).encode(Array(header.utf8), into: &reply)
            try connection.sendAll(reply + Array("hello".utf8))
        }
        let get = try await onThread { try E2ERun.sock(["get", "\(address)", "file", "-o", directory + "/file"]) }
        try await liar.value
        #expect(get.status == 1)
        #expect(get.standardError.hasPrefix("sock: checksum mismatch for file: expected sha256 0000"))
        #expect(Self.contents(directory) == [])
    }
}
