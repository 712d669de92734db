import Sockets
import SocketsTLS
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Records in batches: a read takes every record that has arrived, a write sends its
/// records together and finishes sending them when the socket is full.
@Suite struct TLSSocketBatchingTests {
    /// What TLS 1.3 with AES-GCM adds to each record: header, content type, tag.
    static let recordOverhead = 5 + 1 + 16

    /// The bytes waiting in `socket`'s receive queue (`FIONREAD`).
    static func queuedBytes(_ socket: Socket) -> Int {
        var count: Int32 = 0
        guard ioctl(socket.fileDescriptor, UInt(FIONREAD), &count) == 0 else { return -1 }
        return Int(count)
    }

    /// A handshaken TLS 1.3 pair over loopback.
    static func pair(
        _ fixture: TLSFixture, _ clientSocket: Socket, _ serverSocket: Socket
    ) async throws -> (client: TLSSocket, server: TLSSocket) {
        let client = try fixture.clientContext().wrap(clientSocket, serverName: "localhost")
        let server = try fixture.serverContext(maximumVersion: .tls13).wrap(serverSocket)
        let errors = await TLSFixture.handshake(client: client, server: server)
        #expect(errors.client == nil && errors.server == nil, "\(String(describing: errors))")
        return (client, server)
    }

    @Test func read_ReturnsEveryRecordThatHasArrived_WhenTheBufferHoldsThem() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let (client, server) = try await Self.pair(fixture, clientSocket, serverSocket)
        let payload = (0..<(3 * 16384)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        try await client.write(payload, deadline: TLSFixture.deadline())
        #expect(await eventually { Self.queuedBytes(serverSocket) >= payload.count + 3 * Self.recordOverhead })
        // Three full records in the queue: one recv takes them, and one read returns all three.
        let received = try await server.read(upTo: 64 * 1024, deadline: TLSFixture.deadline())
        #expect(received == payload)
    }

    @Test func read_ThrowsTheFailureOfALaterRecord_OnTheNextRead_AfterTheDataBeforeIt() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let (client, server) = try await Self.pair(fixture, clientSocket, serverSocket)
        try await client.write(Array("hello".utf8), deadline: TLSFixture.deadline())
        // An application-data record that does not decrypt, behind the good one.
        let forged: [UInt8] = [0x17, 0x03, 0x03, 0x00, 0x20] + [UInt8](repeating: 0xA5, count: 32)
        try await clientSocket.write(forged)
        let queued = 5 + Self.recordOverhead + forged.count
        #expect(await eventually { Self.queuedBytes(serverSocket) >= queued })
        #expect(try await server.read(upTo: 100, deadline: TLSFixture.deadline()) == Array("hello".utf8))
        for _ in 0..<2 {
            let error = await #expect(throws: TLSError.self) {
                _ = try await server.read(upTo: 100, deadline: TLSFixture.deadline())
            }
            #expect(error?.kind == .protocolFailure)
            #expect(error?.reason.contains("bad record mac") == true, "\(String(describing: error))")
        }
    }

    @Test func read_ReturnsZero_WhenTheCloseNotifyCameInBehindTheData() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let (client, server) = try await Self.pair(fixture, clientSocket, serverSocket)
        try await client.write(Array("last".utf8), deadline: TLSFixture.deadline())
        try await client.closeWrite(deadline: TLSFixture.deadline())
        // The data record and the close_notify alert, both queued: the first read takes both.
        #expect(await eventually { Self.queuedBytes(serverSocket) >= 4 + 2 + 2 * Self.recordOverhead })
        #expect(try await server.read(upTo: 100, deadline: TLSFixture.deadline()) == Array("last".utf8))
        #expect(try await server.read(upTo: 100, deadline: TLSFixture.deadline(.seconds(2))).isEmpty)
    }

    @Test func write_SendsEveryRecord_WhenTheSocketFillsInTheMiddleOfAWrite() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        // Smaller than one write's records: each write's flush meets a full socket.
        try clientSocket.setOption(.sendBufferSize, 4096)
        let (client, server) = try await Self.pair(fixture, clientSocket, serverSocket)
        let payload = (0..<(1 << 18)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 13) }
        async let sent: Void = client.write(payload, deadline: TLSFixture.deadline())
        var received: [UInt8] = []
        while received.count < payload.count {
            received += try await server.read(upTo: 64 * 1024, deadline: TLSFixture.deadline())
        }
        try await sent
        #expect(received == payload)
    }

    @Test func sendAll_SendsEveryRecord_WhenTheSocketFillsInTheMiddleOfAWrite() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        try clientSocket.setOption(.sendBufferSize, 4096)
        clientSocket.timeout = .seconds(10)
        let (client, server) = try await Self.pair(fixture, clientSocket, serverSocket)
        let payload = (0..<(1 << 18)).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ $0 >> 12) }
        let sent = Task.detached { try client.sendAll(payload) }
        var received: [UInt8] = []
        while received.count < payload.count {
            received += try await server.read(upTo: 64 * 1024, deadline: TLSFixture.deadline())
        }
        try await sent.value
        #expect(received == payload)
    }
}
