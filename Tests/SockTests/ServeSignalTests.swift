import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock serve` stops gracefully on SIGINT or SIGTERM however soon after its
    /// `listening on ADDR` line the signal comes (SPEC §4): exit 0, the Unix socket
    /// file removed. A signal sent as soon as the line is read races the server's
    /// start-up, so each test tries several times.
    @Suite struct ServeSignalTests {
        /// How many servers each test starts and signals at once.
        private static func attempts(_ signal: Int32) -> Int { signal == SIGTERM ? 10 : 1 }

        @Test(arguments: [SIGTERM, SIGINT])
        func serveTCP_ExitsZero_WhenSignalledRightAfterListening(_ signal: Int32) throws {
            for attempt in 1...Self.attempts(signal) {
                let server = try E2EServer.serve("echo", ["--quiet"])
                let status = server.stop(signal)
                #expect(
                    status == 0, "attempt \(attempt): status \(String(describing: status)), stderr: \(server.standardError.text)")
            }
        }

        @Test(arguments: [SIGTERM, SIGINT])
        func serveUnix_ExitsZeroAndRemovesSocketFile_WhenSignalledRightAfterListening(_ signal: Int32) throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            for attempt in 1...Self.attempts(signal) {
                let path = directory + "/server-\(attempt).sock"
                let server = try E2EServer.serve("echo", ["--quiet"], listen: "unix:" + path)
                let status = server.stop(signal)
                #expect(
                    status == 0, "attempt \(attempt): status \(String(describing: status)), stderr: \(server.standardError.text)")
                #expect(!FileManager.default.fileExists(atPath: path), "attempt \(attempt): \(path) is left")
            }
        }
    }
}
