import Foundation
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock get`: its temporary file never outlives it, and errors name the user's path.
    @Suite struct GetCommandTests {
        /// The names in `directory` that are `sock get` temporary files.
        static func temporaryFiles(in directory: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(".sock-get-") }
        }

        /// Reads exactly `count` bytes (the socket has a timeout).
        static func receive(_ socket: Socket, count: Int) throws -> [UInt8] {
            var bytes: [UInt8] = []
            while bytes.count < count {
                let chunk = try socket.recv(count - bytes.count)
                guard !chunk.isEmpty else { throw HarnessError("the client closed after \(bytes.count) of \(count) bytes") }
                bytes += chunk
            }
            return bytes
        }

        @Test(arguments: [SIGINT, SIGTERM])
        func get_RemovesItsTemporaryFile_WhenInterrupted(_ signal: Int32) async throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let listener = try Socket.listen(on: "127.0.0.1:0")
            defer { listener.close() }
            listener.timeout = E2E.timeout
            let address = try "\(listener.localAddress())"
            let client = try E2EProcess(Products.sock, ["get", address, "big.bin", "-o", directory + "/big.bin"])
            defer { client.stop(SIGKILL) }

            // A files server that announces 10 MB, sends 64 KiB of them, then stalls.
            // Accepted on a thread: in an async test, `accept()` would be the async one.
            let (connection, _) = try await onThread { try listener.accept() }
            defer { connection.close() }
            connection.timeout = E2E.timeout
            let length = try Self.receive(connection, count: 4).reduce(0) { $0 << 8 | Int($1) }
            _ = try Self.receive(connection, count: length)
            let header = Array(#"{"ok":true,"size":10000000,"sha256":"\#(String(repeating: "0", count: 64))"}"#.utf8)
            let prefix = withUnsafeBytes(of: UInt32(header.count).bigEndian) { Array($0) }
            try connection.sendAll(prefix + header + [UInt8](repeating: 7, count: 64 * 1024))
            #expect(await eventually { !Self.temporaryFiles(in: directory).isEmpty }, "no temporary file appeared")

            client.send(signal)
            #expect(client.waitForExit() == 128 + signal, "stderr: \(client.standardError.text)")
            #expect(Self.temporaryFiles(in: directory) == [])
            #expect(!FileManager.default.fileExists(atPath: directory + "/big.bin"))
        }

        @Test func get_NamesTheUsersPath_WhenTheOutputCannotBeCreated() throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let root = directory + "/root"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
            try Data("hi\n".utf8).write(to: URL(fileURLWithPath: root + "/a.txt"))
            let server = try E2EServer.serve("files", ["--root", root, "--quiet"])
            defer { server.stop() }

            let target = directory + "/missing/out.txt"
            let result = try E2ERun.sock(["get", server.address, "a.txt", "-o", target])
            #expect(result.status == 1)
            #expect(result.standardError == "sock: create \(target): no such file or directory\n")
            #expect(Self.temporaryFiles(in: directory) == [])
        }
    }
}
