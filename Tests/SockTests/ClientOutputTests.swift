import Foundation
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// Clients in a pipe write what arrives at once (SPEC §5), not when they exit.
    @Suite struct ClientOutputTests {
        /// How late a line may appear on the client's stdout after the server sent it.
        static let allowedDelay: Duration = .milliseconds(100)

        @Test(arguments: [
            ["chat"], ["connect", "--framing", "line"], ["connect"],
        ])
        func client_WritesEachLineAtOnce_WhenStdoutIsAPipe(_ command: [String]) throws {
            let listener = try Socket.listen(on: "127.0.0.1:0")
            defer { listener.close() }
            listener.timeout = E2E.timeout
            let address = try "\(listener.localAddress())"
            // Stdin stays open: the client is still running, like a bot reading `sock chat`.
            let client = try E2EProcess(
                Products.sock, [command[0], address] + command.dropFirst(), keepingStandardInputOpen: true)
            defer { client.stop(SIGKILL) }
            let (connection, _) = try listener.accept()
            defer { connection.close() }

            var delays: [Duration] = []
            for index in 1...5 {
                let line = "line \(index) arrives"
                let sent = ContinuousClock.now
                try connection.sendAll(Array("\(line)\n".utf8))
                let shown = client.standardOutput.wait(timeout: .seconds(3)) { bytes, _ in
                    String(decoding: bytes, as: UTF8.self).contains(line + "\n")
                }
                #expect(shown, "line \(index) not on stdout within 3 s; stdout so far: \(client.standardOutput.text)")
                guard shown else { return }
                delays.append(ContinuousClock.now - sent)
            }
            #expect(delays.allSatisfy { $0 < Self.allowedDelay }, "delays: \(delays)")
            #expect(!client.hasExited)
        }
    }
}
