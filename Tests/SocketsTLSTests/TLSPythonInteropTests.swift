import Foundation
import Sockets
import SocketsTLS
import TestSupport
import Testing

/// Python's `ssl` module at the other end (Tests/Python/tls_peer.py), both ways.
@Suite(.enabled(if: Products.isOnPath("python3"), "python3 is not installed"))
struct TLSPythonInteropTests {
    @Test(arguments: [false, true])
    func ourClient_TalksToPythonsServer(tls12: Bool) async throws {
        let fixture = try TLSFixture()
        let directory = try TemporaryDirectory("tls-python")
        defer { directory.remove() }
        try fixture.server.certificatePEM.write(toFile: directory.file("cert.pem"), atomically: true, encoding: .utf8)
        try fixture.server.privateKeyPEM.write(toFile: directory.file("key.pem"), atomically: true, encoding: .utf8)
        let python = try ChildProcess(
            "/usr/bin/env",
            ["python3", Products.python("tls_peer.py"), "server", directory.file("cert.pem"), directory.file("key.pem")]
                + (tls12 ? ["--tls12"] : []))
        let port = try python.standardOutput.line { !$0.isEmpty }
        let socket = try await Socket.connect(to: "127.0.0.1:\(port)", deadline: TLSFixture.deadline())
        defer { socket.close() }
        let client = try fixture.clientContext().wrap(socket, serverName: "localhost")
        try await client.handshake(deadline: TLSFixture.deadline())
        #expect(client.protocolVersion == (tls12 ? "TLSv1.2" : "TLSv1.3"))
        try await client.write(Array("hello from swift".utf8), deadline: TLSFixture.deadline())
        #expect(try await client.read(upTo: 100, deadline: TLSFixture.deadline()) == Array("hello from swift".utf8))
        try await client.shutdown(deadline: TLSFixture.deadline())
        #expect(python.waitForExit() == 0, "\(python.standardError.text)")
    }

    @Test func pythonsClient_TalksToOurServer() async throws {
        let fixture = try TLSFixture()
        let directory = try TemporaryDirectory("tls-python")
        defer { directory.remove() }
        try fixture.authority.certificatePEM.write(toFile: directory.file("ca.pem"), atomically: true, encoding: .utf8)
        let listener = try Socket.listen(on: "127.0.0.1:0")
        defer { listener.close() }
        let context = try fixture.serverContext()
        let python = try ChildProcess(
            "/usr/bin/env",
            [
                "python3", Products.python("tls_peer.py"), "client", String(try #require(listener.localAddress().port)),
                directory.file("ca.pem"), "hello from python",
            ])
        let (socket, _) = try await listener.accept(deadline: TLSFixture.deadline())
        defer { socket.close() }
        let server = try context.wrap(socket)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        while case let count = try await server.read(into: buffer, deadline: TLSFixture.deadline()), count > 0 {
            try await server.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]), deadline: TLSFixture.deadline())
        }
        try await server.closeWrite(deadline: TLSFixture.deadline())
        #expect(python.waitForExit() == 0, "\(python.standardError.text)")
        #expect(python.standardOutput.text == "hello from python TLSv1.3\n")
    }
}
