import Foundation
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock chat` in a pipe: how it ends and says why, `--name`, and the client options.
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

        @Test func chat_AnnouncesTheNameOnce_WhenNameIsGiven() throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            defer { server.stop() }
            let watcher = try server.connect()
            #expect(try watcher.receiveText() == "* guest-1 joined")

            let result = try E2ERun.sock(["chat", server.address, "--name", "ann"], input: "hi\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "* ann joined\n")
            #expect(try watcher.receiveText() == "* ann joined")
            #expect(try watcher.receiveText() == "ann: hi")
            #expect(try watcher.receiveText() == "* ann left")
        }

        @Test func chat_FailsWithNameTaken_AndSaysNothing_WhenAnotherMemberHasTheName() throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            defer { server.stop() }
            let bob = try server.connect()
            try bob.send("/nick bob")
            #expect(try bob.receiveText() == "* bob joined")

            let result = try E2ERun.sock(["chat", server.address, "--name", "bob"], input: "hi\n")
            #expect(result.status == 1)
            #expect(result.standardError == "sock: name taken: bob\n")
            // It arrived as a guest, was refused the name, and left without saying a word.
            #expect(try bob.receiveText() == "* guest-1 joined")
            #expect(try bob.receiveText() == "* guest-1 left")
        }

        @Test(arguments: ["bad name", "", String(repeating: "x", count: 33), "a.b"])
        func chat_RefusesAnInvalidName_AsAUsageError(_ name: String) throws {
            let result = try E2ERun.sock(["chat", "127.0.0.1:9", "--name", name], input: "")
            #expect(result.status == 64)
            #expect(result.standardError.hasPrefix("sock: --name: use 1-32 letters"), "\(result.standardError)")
        }

        @Test func chat_PrintsErrorsAndNoticesAsPlainText_WhenPiped() throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock(["chat", server.address], input: "/bogus\n/who\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(
                result.outputText
                    == "* guest-1 joined\n! unknown command: /bogus (try /nick, /who, /msg, /quit)\n* online: guest-1\n")
        }

        @Test func chat_ReportsTheConnection_WithVerbose() throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock(["chat", server.address, "-v", "-4", "--source", "127.0.0.1"], input: "/quit\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.errorLines.first?.hasPrefix("sock: connected peer=\(server.address) local=127.0.0.1:") == true)
            #expect(result.errorLines.last?.hasPrefix("sock: closing") == true, "stderr: \(result.standardError)")
        }

        @Test func chat_EndsWithAnError_WhenNothingHappensForTheTimeout() throws {
            let listener = try Socket.listen(on: "127.0.0.1:0")
            defer { listener.close() }
            listener.timeout = E2E.timeout
            let address = try "\(listener.localAddress())"
            let client = try E2EProcess(Products.sock, ["chat", address, "-w", "0.3"], keepingStandardInputOpen: true)
            defer { client.stop(SIGKILL) }
            let (connection, _) = try listener.accept()
            defer { connection.close() }

            let status = client.waitForExit()
            #expect(status == 1)
            client.standardError.waitForEnd()
            #expect(client.standardError.text == "sock: \(address): nothing sent or received for 0.3 s\n")
        }

        @Test func chatHexAndCRLF_DumpBothDirections_SendCRLF_AndShowLinesWithoutCR() throws {
            let listener = try Socket.listen(on: "127.0.0.1:0")
            defer { listener.close() }
            listener.timeout = E2E.timeout
            let address = try "\(listener.localAddress())"
            let client = try ChildProcess(Products.sock, ["chat", address, "--hex", "--crlf", "-v"], input: E2E.bytes("hi\n"))
            defer { client.stop(SIGKILL) }
            let (connection, _) = try listener.accept()
            connection.timeout = E2E.timeout
            // All the client sends (its input ended: it half-closes), then the answer.
            var received: [UInt8] = []
            while case let chunk = try connection.recv(4096), !chunk.isEmpty { received += chunk }
            try connection.sendAll(E2E.bytes("* welcome\r\n"))
            connection.close()

            #expect(received == E2E.bytes("hi\r\n"))
            #expect(client.waitForExit() == 0, "stderr: \(client.standardError.text)")
            client.standardError.waitForEnd()
            #expect(client.standardOutput.text == "* welcome\n")
            let lines = client.standardError.lines
            #expect(lines.count == 4, "\(lines)")
            #expect(
                Array(lines.dropFirst().prefix(2)) == [
                    "> 00000000  68 69 0d 0a                                       |hi..|",
                    "< 00000000  2a 20 77 65 6c 63 6f 6d  65 0d 0a                 |* welcome..|",
                ], "\(lines)")
            #expect(lines.last?.hasPrefix("sock: closing sent=4 received=11 state=") == true, "\(lines)")
        }

        @Test func chatCRLF_KeepsToOneCRLFPerLine_WithTheRealServer() throws {
            let server = try E2EServer.serve("chat", ["--quiet"])
            defer { server.stop() }
            let watcher = try server.connect()
            #expect(try watcher.receiveText() == "* guest-1 joined")

            let result = try E2ERun.sock(["chat", server.address, "--name", "ann", "--crlf"], input: "hello\n/quit\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(try watcher.receiveText() == "* ann joined")
            #expect(try watcher.receiveText() == "ann: hello")
        }
    }
}
