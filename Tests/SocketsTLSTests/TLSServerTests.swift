import Foundation
import Sockets
import SocketsTLS
import TestSupport
import Testing

/// The server core with a TLS context: handlers unchanged, the handshake's deadline,
/// clients that do not speak TLS.
@Suite struct TLSServerTests {
    /// Runs an echo server with `context` until `body` returns.
    private func withEchoServer(
        _ context: TLSContext, handshakeTimeout: Duration = .seconds(10),
        _ body: (SocketAddress) async throws -> Void
    ) async throws {
        let listener = try Socket.listen(on: "127.0.0.1:0")
        let address = try listener.localAddress()
        let server = Server(
            listeners: [listener],
            configuration: ServerConfiguration(tls: context, tlsHandshakeTimeout: handshakeTimeout)
        ) { connection in
            try await connection.echo()
        }
        let running = Task { await server.run() }
        do {
            try await body(address)
        } catch {
            server.shutdown()
            await running.value
            throw error
        }
        server.shutdown()
        await running.value
    }

    @Test func server_EchoesOverTLS_AndEndsWithCloseNotify() async throws {
        let fixture = try TLSFixture()
        try await withEchoServer(try fixture.serverContext()) { address in
            let socket = try await Socket.connect(to: "\(address)", deadline: TLSFixture.deadline())
            defer { socket.close() }
            let client = try fixture.clientContext().wrap(socket, serverName: "localhost")
            try await client.write(Array("echo me".utf8), deadline: TLSFixture.deadline())
            #expect(try await client.read(upTo: 100, deadline: TLSFixture.deadline()) == Array("echo me".utf8))
            try await client.closeWrite(deadline: TLSFixture.deadline())
            // The server's close_notify, not a truncation.
            #expect(try await client.read(upTo: 100, deadline: TLSFixture.deadline()).isEmpty)
        }
    }

    @Test func server_ClosesAClientThatStallsInTheHandshake_AtTheTimeout() async throws {
        let fixture = try TLSFixture()
        try await withEchoServer(try fixture.serverContext(), handshakeTimeout: .milliseconds(300)) { address in
            let silent = try await Socket.connect(to: "\(address)", deadline: TLSFixture.deadline())
            defer { silent.close() }
            let started = ContinuousClock.now
            #expect(try await silent.read(upTo: 100, deadline: TLSFixture.deadline()).isEmpty)
            #expect(ContinuousClock.now - started >= .milliseconds(250))
        }
    }

    @Test func server_ClosesOnlyTheGarbageClient() async throws {
        let fixture = try TLSFixture()
        try await withEchoServer(try fixture.serverContext()) { address in
            let garbage = try await Socket.connect(to: "\(address)", deadline: TLSFixture.deadline())
            defer { garbage.close() }
            let socket = try await Socket.connect(to: "\(address)", deadline: TLSFixture.deadline())
            defer { socket.close() }
            try await garbage.write([UInt8](repeating: 0x16, count: 3) + [0xFF, 0xFF, 1, 2, 3], deadline: TLSFixture.deadline())
            // The server answers with at most an alert record, then closes (or resets).
            do {
                let answer = try await garbage.read(upTo: 4096, deadline: TLSFixture.deadline())
                if !answer.isEmpty { #expect(answer.first == 0x15) }
            } catch let error as SocketError {
                #expect(error.kind == .connectionReset)
            }
            let client = try fixture.clientContext().wrap(socket, serverName: "localhost")
            try await client.write(Array("fine".utf8), deadline: TLSFixture.deadline())
            #expect(try await client.read(upTo: 100, deadline: TLSFixture.deadline()) == Array("fine".utf8))
        }
    }
}
