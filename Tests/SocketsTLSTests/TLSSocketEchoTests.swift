import Sockets
import SocketsTLS
import TestSupport
import Testing

/// `TLSSocket.echo()`: records decrypted into the reactor's scratch memory and sent back
/// from it, by the socket's owner on the reactor's thread or by any other task.
@Suite struct TLSSocketEchoTests {
    /// Starts the echo of `server` on a task of its own, which first claims the socket
    /// when `owned` (as a server's handler does: the reactor then runs the echo inline).
    static func startEcho(_ server: TLSSocket, owned: Bool) -> Task<Void, any Error> {
        Task {
            if owned { server.socket.claimOwnership() }
            try await server.echo()
        }
    }

    @Test(arguments: [false, true])
    func echo_SendsEveryByteBack_ThroughAFullSendBuffer_AndEndsAtCloseNotify(owned: Bool) async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        // Far smaller than what one turn sends back: the echo must wait for room, often.
        try serverSocket.setOption(.sendBufferSize, 4096)
        let (client, server) = try await TLSSocketBatchingTests.pair(fixture, clientSocket, serverSocket)
        let echo = Self.startEcho(server, owned: owned)
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        async let sent: Void = client.write(payload, deadline: TLSFixture.deadline())
        var received: [UInt8] = []
        while received.count < payload.count {
            let chunk = try await client.read(upTo: 64 * 1024, deadline: TLSFixture.deadline())
            guard !chunk.isEmpty else { break }
            received += chunk
        }
        try await sent
        #expect(received.count == payload.count)
        #expect(received == payload)
        try await client.closeWrite(deadline: TLSFixture.deadline())
        try await echo.value
    }

    @Test(arguments: [false, true])
    func echo_ThrowsTruncated_AfterEchoingTheData_WhenThePeerClosesWithoutCloseNotify(owned: Bool) async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer { serverSocket.close() }
        let (client, server) = try await TLSSocketBatchingTests.pair(fixture, clientSocket, serverSocket)
        let echo = Self.startEcho(server, owned: owned)
        try await client.write(Array("before the end".utf8), deadline: TLSFixture.deadline())
        #expect(try await client.read(upTo: 100, deadline: TLSFixture.deadline()) == Array("before the end".utf8))
        clientSocket.close()
        let error = await #expect(throws: TLSError.self) { try await echo.value }
        #expect(error?.kind == .truncated, "\(String(describing: error))")
    }
}
