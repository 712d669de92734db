import Foundation
import Sockets
import TestSupport
import Testing

extension E2ESuite {
    /// TLS end to end (SPEC §6): `sock serve ... --tls-...` against `sock connect --tls`,
    /// `openssl s_client` and the seeds' Python clients with an `ssl` wrap.
    @Suite struct SockTLSTests {
        /// A CA and a server certificate for 127.0.0.1 and localhost, as PEM files.
        private struct Files {
            let directory: TemporaryDirectory
            var ca: String { directory.file("ca.pem") }
            var certificate: String { directory.file("cert.pem") }
            var key: String { directory.file("key.pem") }

            init() throws {
                directory = try TemporaryDirectory("sock-tls")
                let authority = try TLSCertificate.selfSigned(hosts: ["sock test CA"])
                let server = try authority.issue(hosts: ["127.0.0.1", "localhost"])
                try authority.certificatePEM.write(toFile: directory.file("ca.pem"), atomically: true, encoding: .utf8)
                try server.certificatePEM.write(toFile: directory.file("cert.pem"), atomically: true, encoding: .utf8)
                try server.privateKeyPEM.write(toFile: directory.file("key.pem"), atomically: true, encoding: .utf8)
                let client = try authority.issue(hosts: ["sock test client"])
                try client.certificatePEM.write(toFile: directory.file("client.pem"), atomically: true, encoding: .utf8)
                try client.privateKeyPEM.write(toFile: directory.file("client-key.pem"), atomically: true, encoding: .utf8)
            }

            var serveOptions: [String] { ["--tls-cert", certificate, "--tls-key", key] }
        }

        @Test func serveSelfSigned_PrintsItsFingerprint_AndEchoesToConnectInsecure() throws {
            let server = try E2EServer.serve("echo", ["--tls-self-signed"])
            defer { server.stop() }
            let fingerprint = try server.standardError.line { $0.hasPrefix("tls sha256 fingerprint ") }
            #expect(fingerprint.wholeMatch(of: /tls sha256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}/) != nil)

            let result = try E2ERun.sock(["connect", server.address, "--tls", "--tls-insecure"], input: "hello\nworld\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "hello\nworld\n")
            #expect(result.standardError.contains("--tls-insecure"))
        }

        @Test func connectTLS_RefusesASelfSignedServer_InOneLine() throws {
            let server = try E2EServer.serve("echo", ["--tls-self-signed"])
            defer { server.stop() }
            let result = try E2ERun.sock(["connect", server.address, "--tls"], input: "hello\n")
            #expect(result.status == 1)
            #expect(
                result.standardError
                    == "sock: tls handshake \(server.address): certificate verify failed (self-signed certificate)\n")
            #expect(result.standardOutput.isEmpty)
            #expect(server.isRunning)
        }

        @Test func connectTLS_VerifiesWithTheCAFile_AndFramesLines() throws {
            let files = try Files()
            defer { files.directory.remove() }
            let server = try E2EServer.serve("upper", files.serveOptions)
            defer { server.stop() }
            let result = try E2ERun.sock(
                ["connect", server.address, "--tls", "--tls-ca", files.ca, "--framing", "line"], input: "straße\nabc\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "STRASSE\nABC\n")
            let wrongName = try E2ERun.sock(
                ["connect", server.address, "--tls", "--tls-ca", files.ca, "--tls-server-name", "wrong.example"],
                input: "x\n")
            #expect(wrongName.status == 1)
            #expect(wrongName.standardError.hasSuffix("certificate verify failed (hostname mismatch)\n"))
        }

        @Test func helloAndTime_WorkOverTLS_EndToEnd() throws {
            let files = try Files()
            defer { files.directory.remove() }
            let hello = try E2EServer.serve("hello", files.serveOptions)
            defer { hello.stop() }
            let greeted = try E2ERun.sock(
                ["connect", hello.address, "--tls", "--tls-ca", files.ca, "--framing", "line"], input: "bob\n")
            #expect(greeted.status == 0, "stderr: \(greeted.standardError)")
            #expect(greeted.outputText == "Welcome!\nHello, bob!\n")

            let time = try E2EServer.serve("time", files.serveOptions)
            defer { time.stop() }
            let stamped = try E2ERun.sock(
                ["connect", time.address, "--tls", "--tls-ca", files.ca, "--framing", "line"], input: "hi\n")
            #expect(stamped.status == 0, "stderr: \(stamped.standardError)")
            // `[Thu Dec  3 06:14:10 2026] hi`: ctime's timestamp, then the message.
            #expect(
                stamped.outputText.wholeMatch(of: /\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] hi\n/) != nil,
                "\(stamped.outputText)")
        }

        @Test func connectTLS_ReportsTruncation_WhenTheServerDropsTCPWithoutCloseNotify() throws {
            let files = try Files()
            defer { files.directory.remove() }
            let python = try ChildProcess(
                "/usr/bin/env", ["python3", Products.python("tls_peer.py"), "server", files.certificate, files.key, "--drop"])
            let port = try python.standardOutput.line { !$0.isEmpty }
            let result = try E2ERun.sock(["connect", "127.0.0.1:\(port)", "--tls", "--tls-ca", files.ca], input: "bye\n")
            #expect(result.status == 1)
            #expect(result.outputText == "bye\n")
            #expect(result.standardError.contains("truncated"), "stderr: \(result.standardError)")
            #expect(python.waitForExit() == 0)
        }

        @Test func opensslSClient_EchoesThroughServeEcho() throws {
            try #require(Products.isOnPath("openssl"), "openssl is not installed")
            let server = try E2EServer.serve("echo", ["--tls-self-signed"])
            defer { server.stop() }
            let client = try ChildProcess(
                "/usr/bin/env", ["openssl", "s_client", "-connect", server.address, "-servername", "localhost"],
                keepingStandardInputOpen: true)
            #expect(client.standardOutput.wait(forText: "Verify return code"))
            try client.writeInput(Array("ping over tls\n".utf8))
            #expect(client.standardOutput.wait(forText: "ping over tls"), "\(client.standardOutput.text)")
            #expect(client.standardOutput.text.contains("TLSv1.3"))
            client.closeInput()
            #expect(client.waitForExit() != nil)
            #expect(server.isRunning)
        }

        /// Each seed's Python TCP client with an `ssl` wrap, against its service over TLS:
        /// the script, the `serve` arguments, stdin, and what the client prints.
        static let seedClients: [(String, [String], String, String)] = [
            (
                "seed000_tcpclient.py", ["hello", "--framing", "raw"], "",
                "Welcome!\nHello, mindthink!\nHello, code change the world!\nHello, hello world!\n"
            ),
            ("seed001_client.py", ["hello", "--framing", "raw"], "mindthink\nexit\n", "Client: Server: Hello, mindthink!\n"),
            ("seed003_tcp_client.py", ["upper", "--framing", "raw"], "hello\nls -l\n", ">>: HELLO\n>>: LS -L\n>>: "),
            ("seed004_tcp_client.py", ["upper", "--framing", "raw"], "hello\nls -l\n", ">>>HELLO\n>>>LS -L\n>>>"),
            (
                "seed003_exec_client.py", ["exec", "--allow", "echo", "--protocol", "seed"], "echo hello tls\nquit\n",
                "<class 'int'> 10\nhello tls\n"
            ),
        ]

        @Test(arguments: 0..<seedClients.count)
        func seedPythonClient_WithAnSSLWrap_WorksOverTLS(_ index: Int) throws {
            let (script, serve, input, expected) = Self.seedClients[index]
            let files = try Files()
            defer { files.directory.remove() }
            let server = try E2EServer.serve(serve[0], Array(serve.dropFirst()) + files.serveOptions)
            defer { server.stop() }
            let result = try E2ERun.python(
                "tls_seed.py", [Products.python(script), files.ca, "127.0.0.1", "\(server.port)"], input: input)
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText.contains(expected), "stdout: \(result.outputText)")
        }

        @Test func serveTLS_ClosesOnlyThePlaintextClient() throws {
            let server = try E2EServer.serve("echo", ["--tls-self-signed"])
            defer { server.stop() }
            let plaintext = try server.connect(framing: .raw)
            try plaintext.sendRaw(Array("GET / HTTP/1.0\r\n\r\n".utf8))
            #expect(plaintext.isClosedByServer())
            let result = try E2ERun.sock(["connect", server.address, "--tls", "--tls-insecure"], input: "still here\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "still here\n")
        }

        @Test func filesAndExec_WorkOverTLS_EndToEnd() throws {
            let files = try Files()
            defer { files.directory.remove() }
            let root = files.directory.file("root")
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
            let payload = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try payload.write(to: URL(fileURLWithPath: files.directory.file("data.bin")))
            let tls = ["--tls", "--tls-ca", files.ca]
            let server = try E2EServer.serve("files", ["--root", root] + files.serveOptions)
            defer { server.stop() }
            let put = try E2ERun.sock(["put", server.address, files.directory.file("data.bin")] + tls)
            #expect(put.status == 0, "stderr: \(put.standardError)")
            let list = try E2ERun.sock(["ls", server.address] + tls)
            #expect(list.status == 0 && list.outputText.contains("data.bin"), "\(list.outputText) \(list.standardError)")
            let copy = files.directory.file("copy.bin")
            let get = try E2ERun.sock(["get", server.address, "data.bin", "-o", copy] + tls)
            #expect(get.status == 0, "stderr: \(get.standardError)")
            #expect(FileManager.default.contents(atPath: copy) == payload)

            let exec = try E2EServer.serve("exec", ["--allow", "echo"] + files.serveOptions)
            defer { exec.stop() }
            let echoed = try E2ERun.sock(["exec", exec.address] + tls + ["--", "echo", "over", "tls"])
            #expect(echoed.status == 0, "stderr: \(echoed.standardError)")
            #expect(echoed.outputText == "over tls\n")
        }

        @Test func chatTLS_JoinsTheRoom() throws {
            let server = try E2EServer.serve("chat", ["--tls-self-signed"])
            defer { server.stop() }
            let result = try E2ERun.sock(
                ["chat", server.address, "--tls", "--tls-insecure", "--name", "alice"], input: "/who\n/quit\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText.contains("* online: alice"), "\(result.outputText)")
        }

        @Test func benchTLS_LoadsAnEchoServerOverTLS_WithoutErrors() throws {
            let server = try E2EServer.serve("echo", ["--tls-self-signed", "--quiet"])
            defer { server.stop() }
            let result = try E2ERun.sock([
                "bench", server.address, "--tls", "--tls-insecure", "--connections", "4", "--pipeline", "2",
                "--duration", "0.5", "--warmup", "0.1", "--json",
            ])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let report = try E2EBench.report(result)
            #expect((report["errors"] as? Int) == 0)
            #expect(((report["messages_per_s"] as? Double) ?? 0) > 0)
        }

        @Test(arguments: ["stream", "handshake"])
        func benchTLS_LoadsAnEchoServerOverTLS_InEveryMode(_ mode: String) throws {
            let files = try Files()
            defer { files.directory.remove() }
            let server = try E2EServer.serve("echo", files.serveOptions)
            defer { server.stop() }
            let result = try E2ERun.sock([
                "bench", server.address, "--tls", "--tls-ca", files.ca, "--mode", mode, "--connections", "2",
                "--size", "20000", "--duration", "0.5", "--warmup", "0.1", "--json",
            ])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let report = try E2EBench.report(result)
            #expect((report["errors"] as? Int) == 0)
            let messages = try #require(report["messages_per_s"] as? Double)
            #expect(messages > 0)
            if mode == "handshake" {
                // A connection (and a handshake) per message, warm-up included.
                let count = Int(messages * 0.5)
                #expect(server.standardError.wait(forText: "connection opened", count: count + 1))
            }
        }

        @Test func serveWithClientCA_AcceptsOnlyClientsWithACertificate() throws {
            let files = try Files()
            defer { files.directory.remove() }
            let server = try E2EServer.serve("echo", files.serveOptions + ["--tls-client-ca", files.ca])
            defer { server.stop() }
            let tls = ["--tls", "--tls-ca", files.ca]
            let accepted = try E2ERun.sock(
                ["connect", server.address] + tls
                    + ["--tls-cert", files.directory.file("client.pem"), "--tls-key", files.directory.file("client-key.pem")],
                input: "mutual\n")
            #expect(accepted.status == 0, "stderr: \(accepted.standardError)")
            #expect(accepted.outputText == "mutual\n")
            let refused = try E2ERun.sock(["connect", server.address] + tls, input: "anonymous\n")
            #expect(refused.status == 1)
            #expect(refused.outputText.isEmpty)
            // The server's alert, unless its reset (our data reached a closed socket) overtook it.
            #expect(
                refused.standardError.contains("certificate required")
                    || refused.standardError.contains("the server closed the connection"),
                "stderr: \(refused.standardError)")
            #expect(server.isRunning)
        }
    }
}
