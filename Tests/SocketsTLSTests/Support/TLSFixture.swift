import Foundation
import Sockets
import SocketsTLS
import TestSupport

/// Certificates made in memory for one test, and loopback connections to run TLS on.
struct TLSFixture {
    /// The test authority, a self-signed certificate that signs the others.
    let authority: TLSCertificate
    /// The server's certificate: `localhost` and `127.0.0.1`, signed by ``authority``.
    let server: TLSCertificate
    /// A client certificate for mutual TLS, signed by ``authority``.
    let client: TLSCertificate

    init() throws {
        authority = try TLSCertificate.selfSigned(hosts: ["Sockets Test CA"])
        server = try authority.issue(hosts: ["localhost", "127.0.0.1"])
        client = try authority.issue(hosts: ["test-client"])
    }

    /// A server context with ``server``'s certificate.
    func serverContext(
        clientAuthority: TLSCertificate? = nil, maximumVersion: TLSConfiguration.Version = .tls13,
        applicationProtocols: [String] = []
    ) throws -> TLSContext {
        var configuration = TLSConfiguration.server(
            certificateChain: .pem(server.certificatePEM), privateKey: .pem(server.privateKeyPEM),
            clientCertificateAuthority: clientAuthority.map { .pem($0.certificatePEM) },
            applicationProtocols: applicationProtocols)
        configuration.maximumVersion = maximumVersion
        return try TLSContext(configuration)
    }

    /// A client context that trusts ``authority``.
    func clientContext(
        certificate: TLSCertificate? = nil, applicationProtocols: [String] = [], resumesSessions: Bool = true
    ) throws -> TLSContext {
        var configuration = TLSConfiguration.client(
            trustRoots: .certificates(.pem(authority.certificatePEM)),
            certificateChain: certificate.map { .pem($0.certificatePEM) },
            privateKey: certificate.map { .pem($0.privateKeyPEM) }, applicationProtocols: applicationProtocols)
        configuration.resumesSessions = resumesSessions
        return try TLSContext(configuration)
    }

    /// A connected TCP pair on 127.0.0.1.
    static func connectedPair() async throws -> (client: Socket, server: Socket) {
        let listener = try Socket.listen(on: "127.0.0.1:0")
        defer { listener.close() }
        return try await connectedPair(through: listener)
    }

    /// A connected TCP pair: a client connected to `listener`, and the accepted socket.
    static func connectedPair(through listener: Socket) async throws -> (client: Socket, server: Socket) {
        let client = try Socket(.inet, .stream)
        try await client.connect(to: listener.localAddress(), deadline: deadline())
        let (server, _) = try await listener.accept(deadline: deadline())
        return (client, server)
    }

    /// Both handshakes at once; each side's error, if any.
    static func handshake(client: TLSSocket, server: TLSSocket) async -> (client: (any Error)?, server: (any Error)?) {
        async let serverResult: (any Error)? = failure { try await server.handshake(deadline: deadline()) }
        let clientError = await failure { try await client.handshake(deadline: deadline()) }
        return (clientError, await serverResult)
    }

    /// The error `body` throws, nil if none.
    static func failure(_ body: () async throws -> Void) async -> (any Error)? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    /// A deadline `duration` from now: every wait of these tests has one.
    static func deadline(_ duration: Duration = .seconds(10)) -> ContinuousClock.Instant {
        .now + duration
    }
}
