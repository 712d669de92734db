import Foundation
import Sockets
import SocketsTLS
import TestSupport
import Testing

/// Whom a client and a server accept: the chain, the host name, expiry, mutual TLS.
@Suite struct TLSVerificationTests {
    /// Handshakes a client made from `clientConfiguration` with `serverName` against a
    /// server with `serverCertificate`; the client's error, if any.
    private func clientError(
        _ clientConfiguration: TLSConfiguration, serverName: String = "localhost", serverCertificate: TLSCertificate
    ) async throws -> TLSError? {
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let server = try TLSContext(
            .server(certificateChain: .pem(serverCertificate.certificatePEM), privateKey: .pem(serverCertificate.privateKeyPEM))
        ).wrap(serverSocket)
        let client = try TLSContext(clientConfiguration).wrap(clientSocket, serverName: serverName)
        let errors = await TLSFixture.handshake(client: client, server: server)
        if let error = errors.client { return try #require(error as? TLSError, "\(error)") }
        return nil
    }

    @Test func handshake_RefusesASelfSignedCertificate_ByDefault() async throws {
        let selfSigned = try TLSCertificate.selfSigned(hosts: ["localhost", "127.0.0.1"])
        let error = try await clientError(.client(), serverCertificate: selfSigned)
        #expect(error?.kind == .certificateVerifyFailed)
        #expect(error?.reason == "certificate verify failed (self-signed certificate)")
        #expect(error?.description.hasPrefix("tls handshake 127.0.0.1:") == true)
    }

    @Test func handshake_AcceptsASelfSignedCertificate_WhenInsecure() async throws {
        let selfSigned = try TLSCertificate.selfSigned(hosts: ["localhost"])
        #expect(try await clientError(.client(verifiesPeer: false), serverCertificate: selfSigned) == nil)
    }

    @Test func handshake_AcceptsASelfSignedCertificate_WhenItIsTrusted() async throws {
        let selfSigned = try TLSCertificate.selfSigned(hosts: ["localhost"])
        let trusting = TLSConfiguration.client(trustRoots: .certificates(.pem(selfSigned.certificatePEM)))
        #expect(try await clientError(trusting, serverCertificate: selfSigned) == nil)
    }

    @Test func handshake_AcceptsTheCAsCertificate_FromAFile() async throws {
        let fixture = try TLSFixture()
        let directory = try TemporaryDirectory("tls-ca")
        defer { directory.remove() }
        try fixture.authority.certificatePEM.write(toFile: directory.file("ca.pem"), atomically: true, encoding: .utf8)
        let trusting = TLSConfiguration.client(trustRoots: .certificates(.file(directory.file("ca.pem"))))
        #expect(try await clientError(trusting, serverName: "127.0.0.1", serverCertificate: fixture.server) == nil)
    }

    @Test func handshake_RefusesAWrongHostName() async throws {
        let fixture = try TLSFixture()
        let trusting = TLSConfiguration.client(trustRoots: .certificates(.pem(fixture.authority.certificatePEM)))
        let error = try await clientError(trusting, serverName: "wrong.example", serverCertificate: fixture.server)
        #expect(error?.kind == .certificateVerifyFailed)
        #expect(error?.reason == "certificate verify failed (hostname mismatch)")
    }

    @Test func handshake_RefusesAnExpiredCertificate_UnlessInsecure() async throws {
        let fixture = try TLSFixture()
        let expired = try fixture.authority.issue(
            hosts: ["localhost"], notValidBefore: Date(timeIntervalSinceNow: -7200),
            notValidAfter: Date(timeIntervalSinceNow: -3600))
        let trusting = TLSConfiguration.client(trustRoots: .certificates(.pem(fixture.authority.certificatePEM)))
        let error = try await clientError(trusting, serverCertificate: expired)
        #expect(error?.reason == "certificate verify failed (certificate has expired)")
        #expect(try await clientError(.client(verifiesPeer: false), serverCertificate: expired) == nil)
    }

    @Test func mutualTLS_AcceptsAClientWithACertificateFromTheClientCA() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let server = try fixture.serverContext(clientAuthority: fixture.authority).wrap(serverSocket)
        let client = try fixture.clientContext(certificate: fixture.client).wrap(clientSocket, serverName: "localhost")
        let errors = await TLSFixture.handshake(client: client, server: server)
        #expect(errors.client == nil && errors.server == nil)
        #expect(server.peerCertificate?.subject.description.contains("test-client") == true)
    }

    @Test func mutualTLS_RefusesAClientWithoutACertificate() async throws {
        let fixture = try TLSFixture()
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let server = try fixture.serverContext(clientAuthority: fixture.authority).wrap(serverSocket)
        let client = try fixture.clientContext().wrap(clientSocket, serverName: "localhost")
        let errors = await TLSFixture.handshake(client: client, server: server)
        let serverError = try #require(errors.server as? TLSError)
        #expect(serverError.kind == .protocolFailure)
        #expect(serverError.reason.contains("certificate"))
        // In TLS 1.3 the client learns of it from the server's alert, at its next read.
        let clientFailure = await TLSFixture.failure {
            if errors.client == nil { _ = try await client.read(upTo: 10, deadline: TLSFixture.deadline()) }
        }
        #expect(errors.client != nil || clientFailure != nil)
    }

    @Test func mutualTLS_RefusesAClientCertificateFromAnotherAuthority() async throws {
        let fixture = try TLSFixture()
        let stranger = try TLSCertificate.selfSigned(hosts: ["stranger"])
        let (clientSocket, serverSocket) = try await TLSFixture.connectedPair()
        defer {
            clientSocket.close()
            serverSocket.close()
        }
        let server = try fixture.serverContext(clientAuthority: fixture.authority).wrap(serverSocket)
        let client = try fixture.clientContext(certificate: stranger).wrap(clientSocket, serverName: "localhost")
        let errors = await TLSFixture.handshake(client: client, server: server)
        let serverError = try #require(errors.server as? TLSError)
        #expect(serverError.kind == .certificateVerifyFailed)
    }

    @Test func context_ThrowsInvalidConfiguration_ForAMissingFile() {
        let error = #expect(throws: TLSError.self) {
            _ = try TLSContext(
                .server(certificateChain: .file("/nonexistent/cert.pem"), privateKey: .file("/nonexistent/key.pem")))
        }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.reason.hasPrefix("certificate chain /nonexistent/cert.pem") == true)
    }
}
