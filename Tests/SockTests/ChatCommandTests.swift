import Foundation
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock chat`: how it ends, and that it says why.
    @Suite struct ChatCommandTests {
        @Test func chat_SaysTheServerClosedTheConnection_WhenSendingFails() throws {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            let listener = try Socket.listen(on: "unix:\(directory)/chat.sock")
            defer { listener.close() }
            listener.timeout = E2E.timeout
            let client = try E2EProcess(Products.sock, ["chat", "unix:\(directory)/chat.sock"], keepingStandardInputOpen: true)
            defer { client.stop(SIGKILL) }
            let (connection, _) = try listener.accept()
            defer { connection.close() }
            // The server stops reading but still sends: on a Unix socket the client's next
            // send fails (EPIPE) while its reads go on.
            try connection.shutdown(.read)
            try connection.sendAll(Array("* still here\n".utf8))
            #expect(client.standardOutput.wait(forText: "* still here\n"))

            try client.writeInput(Array("hello\n".utf8))
            let status = client.waitForExit()
            #expect(status == 1, "still running or wrong status; stderr: \(client.standardError.text)")
            client.standardError.waitForEnd()
            #expect(client.standardError.text == "sock: unix:\(directory)/chat.sock: the server closed the connection\n")
        }

        @Test func chat_SaysTheServerClosedTheConnection_WhenServerGoesAway() throws {
            let listener = try Socket.listen(on: "127.0.0.1:0")
            defer { listener.close() }
            listener.timeout = E2E.timeout
            let address = try "\(listener.localAddress())"
            let client = try E2EProcess(Products.sock, ["chat", address], keepingStandardInputOpen: true)
            defer { client.stop(SIGKILL) }
            let (connection, _) = try listener.accept()
            try connection.sendAll(Array("* guest-1 joined\n".utf8))
            #expect(client.standardOutput.wait(forText: "* guest-1 joined\n"))
            connection.close()

            let status = client.waitForExit()
            #expect(status == 1, "stderr: \(client.standardError.text)")
            client.standardError.waitForEnd()
            #expect(client.standardError.text == "sock: \(address): the server closed the connection\n")
        }

        @Test func chat_ExitsZeroQuietly_WhenTheUserQuits() throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock(["chat", server.address, "--name", "ann"], input: "hi\n/quit\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.standardError == "")
        }

        @Test func chat_ExitsZeroQuietly_WhenInputEnds() throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock(["chat", server.address], input: "hi\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.standardError == "")
        }
    }
}
