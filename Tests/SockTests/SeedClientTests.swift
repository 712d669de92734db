import Foundation
import Testing

extension E2ESuite {
    /// The seeds' own Python clients (ported to Python 3, `Tests/Python`) against `sock serve`.
    @Suite struct SeedClientTests {
        @Test func seed000TCPClient_IsWelcomedAndGreeted_ByHelloRaw() throws {
            let server = try E2EServer.serve("hello", ["--framing", "raw"])
            defer { server.stop() }

            let result = try E2ERun.python("seed000_tcpclient.py", ["127.0.0.1", "\(server.port)"])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == "Welcome!\nHello, mindthink!\nHello, code change the world!\nHello, hello world!\n")
            #expect(server.standardError.wait(forText: " info connection closed"))
            #expect(server.isRunning)
        }

        @Test func seed001Client_ChatsUntilExit_WithHelloRaw() throws {
            let server = try E2EServer.serve("hello", ["--framing", "raw"])
            defer { server.stop() }

            let result = try E2ERun.python("seed001_client.py", ["127.0.0.1", "\(server.port)"], input: "mindthink\n你好\nexit\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(
                result.outputText == """
                    【开始连接服务器 127.0.0.1:\(server.port)】
                    Server: Welcome!
                    Client: Server: Hello, mindthink!
                    Client: Server: Hello, 你好!
                    Client: 【断开连接】

                    """)
        }

        @Test(arguments: ["seed003_tcp_client.py", "seed004_tcp_client.py"])
        func seedTCPClient_GetsUpperCasedReplies_FromUpperRaw(_ script: String) throws {
            let server = try E2EServer.serve("upper", ["--framing", "raw"])
            defer { server.stop() }

            let result = try E2ERun.python(script, ["127.0.0.1", "\(server.port)"], input: "hello\n\n  straße  \nls -l\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let prompt = script.hasPrefix("seed003") ? ">>: " : ">>>"
            #expect(result.outputText == "\(prompt)HELLO\n\(prompt)\(prompt)STRASSE\n\(prompt)LS -L\n\(prompt)")
        }

        @Test func seed003UDPClient_GetsUpperCasedDatagrams_FromUpperUDP() throws {
            let server = try E2EServer.serve("upper", ["--udp"])
            defer { server.stop() }

            let result = try E2ERun.python("seed003_udp_client.py", ["127.0.0.1", "\(server.port)"], input: "hello\n\nstraße\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(
                result.outputText
                    == ">>: HELLO ('127.0.0.1', \(server.port))\n>>: >>: STRASSE ('127.0.0.1', \(server.port))\n>>: ")
        }

        @Test func seed004UDPClient_GetsEmptyDatagramBack_FromUpperUDP() throws {
            let server = try E2EServer.serve("upper", ["--udp"])
            defer { server.stop() }

            // Seed 004's client also sends the empty line, as an empty datagram.
            let result = try E2ERun.python("seed004_udp_client.py", ["127.0.0.1", "\(server.port)"], input: "hello\n\nworld\n")
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText == ">>>HELLO\n>>>\n>>>WORLD\n>>>")
        }

        @Test func seed003QQClient_GetsEachMessageBack_FromEchoUDP() throws {
            let server = try E2EServer.serve("echo", ["--udp"])
            defer { server.stop() }

            let input = "c1\nhello\n你好\nquit\nnobody\nignored\nquit\nc2\nbye\n"
            let result = try E2ERun.python("seed003_qq_client.py", ["127.0.0.1", "\(server.port)"], input: input)
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let from = "来自[127.0.0.1:\(server.port)]的一条消息:33[1;44m"
            let received = result.outputText.components(separatedBy: from).dropFirst().map {
                $0.components(separatedBy: "33[0m")[0]
            }
            #expect(received == ["hello", "你好", "bye"])
        }
    }
}
