import Foundation
import Framing
import Sockets
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("sock put, get, ls and sock serve files", .timeLimit(.minutes(1)))
struct FilesCommandTests {
    /// `count` bytes of a repeating pattern that is not all one byte.
    static func pattern(_ count: Int) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) })
    }

    /// The names in a directory, hidden ones included, sorted.
    static func contents(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    @Test("put, ls and get over a unix socket; errors in one line; SIGTERM exits 0 and removes the socket")
    func files_EndToEnd() async throws {
        let directory = try SockProcess.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let root = directory + "/root"
        let downloads = directory + "/downloads"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: false)
        let data = Self.pattern(3 * 1024 * 1024 + 17)
        try data.write(to: URL(fileURLWithPath: directory + "/data.bin"))
        try Data("hi\n".utf8).write(to: URL(fileURLWithPath: directory + "/small.txt"))
        let socketPath = directory + "/files.sock"
        let server = try SockServer(
            ["files", "--listen", "unix:" + socketPath, "--root", root, "--max-size", "10000000"], logDirectory: directory)

        let put = try await SockProcess.run(["put", server.address, directory + "/data.bin"])
        #expect(put.status == 0)
        #expect(put.output == "")
        #expect(put.error == "")
        let putAs = try await SockProcess.run(["put", server.address, directory + "/small.txt", "--as", "notes.txt"])
        #expect(putAs.status == 0)
        #expect(Self.contents(root) == ["data.bin", "notes.txt"])

        let list = try await SockProcess.run(["ls", server.address])
        #expect(list.status == 0)
        #expect(list.output == "3145745 data.bin\n      3 notes.txt\n")

        let get = try await SockProcess.run(["get", server.address, "data.bin", "-o", downloads + "/copy.bin"])
        #expect(get.status == 0)
        #expect(get.error == "")
        #expect(try Data(contentsOf: URL(fileURLWithPath: downloads + "/copy.bin")) == data)

        let byDefaultName = try await SockProcess.run(["get", server.address, "notes.txt"], directory: downloads)
        #expect(byDefaultName.status == 0)
        #expect(try String(contentsOfFile: downloads + "/notes.txt", encoding: .utf8) == "hi\n")

        let toStandardOutput = try await SockProcess.run(["get", server.address, "notes.txt", "-o", "-"])
        #expect(toStandardOutput.output == "hi\n")

        let missing = try await SockProcess.run(["get", server.address, "missing", "-o", downloads + "/missing"])
        #expect(missing.status == 1)
        #expect(missing.error == "sock: no such file: missing\n")

        let escape = try await SockProcess.run(["put", server.address, directory + "/small.txt", "--as", "../escape"])
        #expect(escape.status == 1)
        #expect(escape.error == "sock: invalid name: '..' is not allowed\n")

        let noLocal = try await SockProcess.run(["put", server.address, directory + "/nope"])
        #expect(noLocal.status == 1)
        #expect(noLocal.error == "sock: open \(directory)/nope: no such file or directory\n")

        #expect(Self.contents(downloads) == ["copy.bin", "notes.txt"])
        #expect(Self.contents(root) == ["data.bin", "notes.txt"])
        #expect(try server.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: socketPath))
    }

    @Test("a put over --max-size is refused at once, not after the whole upload")
    func put_OverMaxSize() async throws {
        let directory = try SockProcess.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/root", withIntermediateDirectories: false)
        try Self.pattern(2 * 1024 * 1024).write(to: URL(fileURLWithPath: directory + "/big.bin"))
        let server = try SockServer(
            ["files", "--listen", "127.0.0.1:0", "--root", directory + "/root", "--max-size", "1000", "--quiet"],
            logDirectory: directory)
        let put = try await SockProcess.run(["put", server.address, directory + "/big.bin"], limit: .seconds(10))
        #expect(put.status == 1)
        #expect(put.error == "sock: file of 2097152 bytes is over the limit of 1000 bytes\n")
        #expect(Self.contents(directory + "/root") == [])
        #expect(try server.terminate() == 0)
    }

    @Test("--read-only refuses puts")
    func put_ReadOnly() async throws {
        let directory = try SockProcess.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/root", withIntermediateDirectories: false)
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/x"))
        let server = try SockServer(
            ["files", "--listen", "127.0.0.1:0", "--root", directory + "/root", "--read-only", "--quiet"], logDirectory: directory)
        let put = try await SockProcess.run(["put", server.address, directory + "/x"])
        #expect(put.status == 1)
        #expect(put.error == "sock: the server is read-only\n")
        #expect(try server.terminate() == 0)
    }

    @Test("sock serve files without a usable --root: one line, non-zero")
    func serve_RequiresRoot() async throws {
        let missing = try await SockProcess.run(["serve", "files", "--listen", "127.0.0.1:0"])
        #expect(missing.status != 0)
        #expect(missing.error == "sock: files needs --root DIR\n")
        let absent = try await SockProcess.run(["serve", "files", "--listen", "127.0.0.1:0", "--root", "/nonexistent-sock-root"])
        #expect(absent.status != 0)
        #expect(absent.error == "sock: --root: open /nonexistent-sock-root: no such file or directory\n")
    }

    @Test("sock get checks the checksum and leaves nothing behind when it does not match")
    func get_ChecksumMismatch() async throws {
        let directory = try SockProcess.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
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
        let get = try await SockProcess.run(["get", "\(address)", "file", "-o", directory + "/file"])
        try await liar.value
        #expect(get.status == 1)
        #expect(get.error.hasPrefix("sock: checksum mismatch for file: expected sha256 0000"))
        #expect(Self.contents(directory) == [])
    }
}
