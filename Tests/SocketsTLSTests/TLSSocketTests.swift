import Foundation
import Framing
import Sockets
import SocketsTLS
import TestSupport
import Testing

/// TLS between our own client and server on loopback: data both ways, versions, ALPN,
/// the peer's certificate, framing, close_notify and truncation, deadlines, blocking calls.
@Suite struct TLSSocketTests {
    @Test(arguments: [TLSConfiguration.Version.tls13, .tls12])
    func roundTrip_EchoesBytes_WithEitherVersion(version: TLSConfiguration.Version) async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        let client = try fixture.clientContext(applicationProtocols: ["sock/1", "h2"]).wrap(clientSocket, serverName: "localhost")
        let server = try fixture.serverContext(maximumVersion: version, applicationProtocols: ["h2"]).wrap(serverSocket)
        let errors = await TLSFixture.handshake(client: client, server: server)
        #expect(errors.client == nil && errors.server == nil, "\(String(describing: errors))")
        #expect(client.protocolVersion == (version == .tls13 ? "TLSv1.3" : "TLSv1.2"))
        #expect(client.applicationProtocol == "h2" && server.applicationProtocol == "h2")
        #expect(client.peerCertificate?.subject.description.contains("localhost") == true)
        #expect(server.peerCertificateDER == nil)
        #expect(client.cipherSuite != nil)

        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        async let sent: Void = client.write(payload, deadline: TLSFixture.deadline())
        var received: [UInt8] = []
        while received.count < payload.count {
            received += try await server.read(upTo: 64 * 1024, deadline: TLSFixture.deadline())
        }
        try await sent
        #expect(received == payload)
        clientSocket.close()
        serverSocket.close()
    }

    @Test func messages_DecodeLines_OverTLS() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let client = try fixture.clientContext().wrap(clientSocket, serverName: "localhost")
        let server = try fixture.serverContext().wrap(serverSocket)
        async let serverLines: [[UInt8]] = {
            var lines: [[UInt8]] = []
            for try await line in server.messages(LineDecoder()) { lines.append(line) }
            return lines
        }()
        for text in ["one", "two", "three"] {
            try await client.write(message: Array(text.utf8), encoder: LineEncoder(), deadline: TLSFixture.deadline())
        }
        try await client.closeWrite(deadline: TLSFixture.deadline())
        #expect(try await serverLines.map { String(decoding: $0, as: UTF8.self) } == ["one", "two", "three"])
    }

    @Test func read_ReturnsZero_AfterThePeersCloseNotify_AndTheOtherDirectionStaysOpen() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let client = try fixture.clientContext().wrap(clientSocket, serverName: "localhost")
        let server = try fixture.serverContext().wrap(serverSocket)
        let errors = await TLSFixture.handshake(client: client, server: server)
        #expect(errors.client == nil && errors.server == nil)
        try await client.write(Array("last words".utf8), deadline: TLSFixture.deadline())
        try await client.closeWrite(deadline: TLSFixture.deadline())
        #expect(try await server.read(upTo: 100, deadline: TLSFixture.deadline()) == Array("last words".utf8))
        #expect(try await server.read(upTo: 100, deadline: TLSFixture.deadline()).isEmpty)
        // Half-closed: the server still answers, then ends with its own close_notify.
        try await server.write(Array("reply".utf8), deadline: TLSFixture.deadline())
        try await server.closeWrite(deadline: TLSFixture.deadline())
        #expect(try await client.read(upTo: 100, deadline: TLSFixture.deadline()) == Array("reply".utf8))
        #expect(try await client.read(upTo: 100, deadline: TLSFixture.deadline()).isEmpty)
    }

    @Test func read_ReturnsTheNextRecord_WhenOneRecvBroughtTwo() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let client = try fixture.clientContext().wrap(clientSocket, serverName: "localhost")
        let server = try fixture.serverContext().wrap(serverSocket)
        let errors = await TLSFixture.handshake(client: client, server: server)
        #expect(errors.client == nil && errors.server == nil)
        // Two records, both in the client's receive queue (loopback) before it reads: its first
        // read takes both from the socket (read-ahead) and drains it, so the second record
        // must come from OpenSSL's buffer without waiting for an event that will not come.
        try await server.write(Array("one".utf8), deadline: TLSFixture.deadline())
        try await server.write(Array("two".utf8), deadline: TLSFixture.deadline())
        var received: [UInt8] = []
        while received.count < 6 {
            received += try await client.read(upTo: 100, deadline: TLSFixture.deadline(.seconds(2)))
        }
        #expect(received == Array("onetwo".utf8))
    }

    @Test func read_ThrowsTruncated_WhenThePeerDropsTCPWithoutCloseNotify() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer { clientSocket.close() }
        let client = try fixture.clientContext().wrap(clientSocket, serverName: "localhost")
        let server = try fixture.serverContext().wrap(serverSocket)
        let errors = await TLSFixture.handshake(client: client, server: server)
        #expect(errors.client == nil && errors.server == nil)
        try await server.write(Array("partial".utf8), deadline: TLSFixture.deadline())
        try serverSocket.shutdown(.write)
        #expect(try await client.read(upTo: 100, deadline: TLSFixture.deadline()) == Array("partial".utf8))
        let error = await #expect(throws: TLSError.self) {
            _ = try await client.read(upTo: 100, deadline: TLSFixture.deadline())
        }
        #expect(error?.kind == .truncated)
        serverSocket.close()
    }

    @Test func handshake_TimesOut_WhenThePeerNeverAnswers() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, silentServer) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            silentServer.close()
        }
        let client = try fixture.clientContext().wrap(clientSocket, serverName: "localhost")
        let started = ContinuousClock.now
        let error = await #expect(throws: TLSError.self) {
            try await client.handshake(deadline: .now + .milliseconds(300))
        }
        #expect(error?.kind == .handshakeTimedOut)
        #expect(error?.description.hasSuffix("handshake timed out") == true)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func handshake_FailsOnlyThatConnection_WhenTheClientSendsPlaintext() async throws {
        let fixture = try TLSFixture()
        let context = try fixture.serverContext()
        let (plainClient, plainServer) = try await TLSFixture.connectedPair()
        defer {
            plainClient.close()
            plainServer.close()
        }
        try await plainClient.write(Array("GET / HTTP/1.0\r\n\r\n".utf8), deadline: TLSFixture.deadline())
        let error = await #expect(throws: TLSError.self) {
            try await context.wrap(plainServer).handshake(deadline: TLSFixture.deadline())
        }
        #expect(error?.kind == .protocolFailure)

        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let errors = await TLSFixture.handshake(
            client: try fixture.clientContext().wrap(clientSocket, serverName: "localhost"),
            server: try context.wrap(serverSocket))
        #expect(errors.client == nil && errors.server == nil)
    }

    @Test func blockingCalls_RoundTrip_AgainstAnAsyncServer() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        clientSocket.timeout = .seconds(10)
        let client = try fixture.clientContext().wrap(clientSocket, serverName: "127.0.0.1")
        let server = try fixture.serverContext().wrap(serverSocket)
        let echo = Task {
            let bytes = try await server.read(upTo: 100, deadline: TLSFixture.deadline())
            try await server.write(bytes, deadline: TLSFixture.deadline())
            try await server.shutdown(deadline: TLSFixture.deadline())
        }
        let answer = try await Task.detached {
            try client.doHandshake()
            try client.sendAll(Array("blocking".utf8))
            let answer = try client.recv(100)
            try client.unwrap()
            return answer
        }.value
        try await echo.value
        #expect(answer == Array("blocking".utf8))
    }

    @Test func blockingHandshake_TimesOut_WithTheSocketsTimeout() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, silentServer) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            silentServer.close()
        }
        clientSocket.timeout = .milliseconds(200)
        let client = try fixture.clientContext().wrap(clientSocket, serverName: "localhost")
        let error = await #expect(throws: TLSError.self) {
            try await Task.detached { try client.doHandshake() }.value
        }
        #expect(error?.kind == .handshakeTimedOut)
    }

    @Test func isReadable_IgnoresSessionTickets_AndSeesData() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let client = try fixture.clientContext().wrap(clientSocket, serverName: "localhost")
        let server = try fixture.serverContext().wrap(serverSocket)
        let errors = await TLSFixture.handshake(client: client, server: server)
        #expect(errors.client == nil && errors.server == nil)
        // The server's TLS 1.3 session tickets may have arrived: they are not data.
        #expect(!client.isReadable)
        try await server.write(Array("x".utf8), deadline: TLSFixture.deadline())
        #expect(await eventually { client.isReadable })
        #expect(try await client.read(upTo: 10, deadline: TLSFixture.deadline()) == Array("x".utf8))
    }

    @Test(arguments: [TLSConfiguration.Version.tls13, .tls12], [true, false])
    func clientSession_IsResumed_OnTheNextConnectionToTheSameServer_UnlessTurnedOff(
        version: TLSConfiguration.Version, resumesSessions: Bool
    ) async throws {
        let fixture = try TLSFixture()
        let clientContext = try fixture.clientContext(resumesSessions: resumesSessions)
        let serverContext = try fixture.serverContext(maximumVersion: version)
        let listener = try Socket.listen(on: "127.0.0.1:0")
        defer { listener.close() }
        var reused: [Bool] = []
        for _ in 0..<2 {
            let (clientSocket, serverSocket) = try await TLSFixture.connectedPair(through: listener)
            defer {
                clientSocket.close()
                serverSocket.close()
            }
            let client = try clientContext.wrap(clientSocket, serverName: "localhost")
            let server = try serverContext.wrap(serverSocket)
            let errors = await TLSFixture.handshake(client: client, server: server)
            #expect(errors.client == nil && errors.server == nil)
            // A read processes the TLS 1.3 session tickets that follow the handshake.
            try await server.write(Array("x".utf8), deadline: TLSFixture.deadline())
            #expect(try await client.read(upTo: 10, deadline: TLSFixture.deadline()) == Array("x".utf8))
            reused.append(client.isSessionReused)
            // OpenSSL does not resume a session whose connection ended without close_notify.
            try await client.closeWrite(deadline: TLSFixture.deadline())
        }
        #expect(reused == [false, resumesSessions])
    }
}
