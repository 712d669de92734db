import Foundation
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock serve --listen unix:PATH` replaces only a stale socket of its own kind and
    /// removes only the socket it made.
    @Suite struct ServeUnixPathTests {
        /// Runs `sock serve echo --listen unix:PATH` expecting it to refuse; stops it if it
        /// serves instead. Its exit status and stderr.
        private static func serveExpectingRefusal(_ path: String) throws -> (status: Int32?, error: String) {
            let child = try E2EProcess(Products.sock, ["serve", "echo", "--listen", "unix:\(path)"])
            let status = child.waitForExit(timeout: .seconds(5))
            if status == nil { child.stop(SIGTERM) }
            child.standardError.waitForEnd()
            return (status, child.standardError.text)
        }

        @Test func serveUnix_RefusesAndKeepsARegularFile_AtTheListenPath() throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let path = directory + "/precious.txt"
            try Data("data\n".utf8).write(to: URL(fileURLWithPath: path))

            let (status, error) = try Self.serveExpectingRefusal(path)
            #expect(status == 1, "stderr: \(error)")
            #expect(error == "sock: \(path) exists and is not a socket\n")
            #expect(FileManager.default.contents(atPath: path) == Data("data\n".utf8))
        }

        @Test func serveUnix_RefusesADirectory_AtTheListenPath() throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let path = directory + "/sub"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)

            let (status, error) = try Self.serveExpectingRefusal(path)
            #expect(status == 1, "stderr: \(error)")
            #expect(error == "sock: \(path) exists and is not a socket\n")
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
        }

        @Test func serveUnix_ReplacesAStaleSocket_AndRemovesItsOwnAtExit() throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let path = directory + "/stale.sock"
            // A socket file nobody listens on: bound, then closed without unlinking.
            let stale = try Socket.listen(on: "unix:\(path)")
            stale.close()

            let server = try E2EServer.serve("echo", ["--framing", "line"], listen: "unix:\(path)")
            let client = try server.connect()
            try client.send("over the replaced socket")
            #expect(try client.receiveText() == "over the replaced socket")
            #expect(server.stop() == 0)
            #expect(!FileManager.default.fileExists(atPath: path))
        }

        @Test func serveUnix_LeavesTheFileAlone_WhenItsSocketWasReplacedMeanwhile() throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let path = directory + "/s.sock"
            let server = try E2EServer.serve("echo", ["--framing", "line", "--quiet"], listen: "unix:\(path)")
            // Serving (its signal handlers are in place once it serves a client).
            let client = try server.connect()
            try client.send("serving")
            #expect(try client.receiveText() == "serving")
            // Someone else removes the socket and puts their own file there.
            #expect(unlink(path) == 0)
            try Data("theirs\n".utf8).write(to: URL(fileURLWithPath: path))

            #expect(server.stop() == 0)
            #expect(FileManager.default.contents(atPath: path) == Data("theirs\n".utf8))
        }

        @Test func serveUnix_RefusesALiveSocket_AndLeavesIt() throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let path = directory + "/live.sock"
            let first = try E2EServer.serve("echo", ["--framing", "line", "--quiet"], listen: "unix:\(path)")
            defer { first.stop() }

            let (status, error) = try Self.serveExpectingRefusal(path)
            #expect(status == 1, "stderr: \(error)")
            #expect(error.contains("address already in use"), "stderr: \(error)")
            let client = try first.connect()
            try client.send("first still serves")
            #expect(try client.receiveText() == "first still serves")
        }
    }
}
