/// What a ``TLSContext`` is made from: the side it plays, its certificate and key, whom
/// it trusts, and what it asks of the peer. TLS 1.2 and 1.3 only; renegotiation is refused.
///
/// ```swift
/// let client = try TLSContext(.client())                       // system trust store, host name checked
/// let server = try TLSContext(.server(certificateChain: .file("cert.pem"), privateKey: .file("key.pem")))
/// ```
/// Python: `ssl.create_default_context()` / `ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)`.
public struct TLSConfiguration: Sendable {
    /// Which end of the handshake a context plays.
    public enum Role: Sendable, Hashable {
        /// Connects and checks the server (Python: `ssl.PROTOCOL_TLS_CLIENT`).
        case client
        /// Accepts and presents a certificate (Python: `ssl.PROTOCOL_TLS_SERVER`).
        case server
    }

    /// PEM text, from a file or from memory.
    public enum PEMSource: Sendable, Hashable {
        /// A PEM file (a certificate chain, a PKCS#8 or traditional private key, CA certificates).
        case file(String)
        /// PEM text held in memory (e.g. a self-signed certificate made at start).
        case pem(String)
    }

    /// The certificates a peer's chain is checked against.
    public enum TrustRoots: Sendable, Hashable {
        /// The system's trust store (OpenSSL's default paths).
        case system
        /// These CA certificates only.
        case certificates(PEMSource)
    }

    /// The protocol versions this library speaks.
    public enum Version: Sendable, Hashable, Comparable {
        /// TLS 1.2 (Python: `ssl.TLSVersion.TLSv1_2`).
        case tls12
        /// TLS 1.3 (Python: `ssl.TLSVersion.TLSv1_3`).
        case tls13
    }

    /// Client or server.
    public var role: Role
    /// Our certificate, then its intermediates (a server's, or a client's for mutual TLS).
    public var certificateChain: PEMSource?
    /// The private key of the first certificate of ``certificateChain``.
    public var privateKey: PEMSource?
    /// Whom a peer's chain must lead to. A client checks the server with them; a server
    /// with ``requiresClientCertificate`` checks clients with them.
    public var trustRoots: TrustRoots
    /// Whether the peer's certificate is checked (a client: on unless insecure; a server:
    /// see ``requiresClientCertificate``).
    public var verifiesPeer: Bool
    /// A server asks every client for a certificate signed by ``trustRoots`` (mutual TLS)
    /// and refuses the handshake without one.
    public var requiresClientCertificate: Bool
    /// The protocols offered (client) or accepted, in order of preference (server) with ALPN.
    public var applicationProtocols: [String]
    /// The oldest version accepted.
    public var minimumVersion: Version
    /// The newest version offered.
    public var maximumVersion: Version
    /// A client keeps each server's latest session and offers it on the next connection
    /// to that server (an abbreviated handshake). Off: every handshake is a full one.
    ///
    /// Python: passing `session=` to `wrap_socket` (here it is automatic).
    public var resumesSessions = true

    /// A client configuration: verifies the server's chain against `trustRoots` and its host
    /// name (the one given to ``TLSContext/wrap(_:serverName:)``).
    ///
    /// - Parameters:
    ///   - trustRoots: The system trust store unless CA certificates are given.
    ///   - certificateChain: A client certificate for mutual TLS, with `privateKey`.
    ///   - verifiesPeer: False skips every check (insecure; for tests and self-signed servers).
    ///   - applicationProtocols: ALPN protocols to offer.
    ///
    /// Python: `ssl.create_default_context(cafile=...)`.
    public static func client(
        trustRoots: TrustRoots = .system, certificateChain: PEMSource? = nil, privateKey: PEMSource? = nil,
        verifiesPeer: Bool = true, applicationProtocols: [String] = []
    ) -> TLSConfiguration {
        TLSConfiguration(
            role: .client, certificateChain: certificateChain, privateKey: privateKey, trustRoots: trustRoots,
            verifiesPeer: verifiesPeer, requiresClientCertificate: false, applicationProtocols: applicationProtocols,
            minimumVersion: .tls12, maximumVersion: .tls13)
    }

    /// A server configuration with its certificate chain and key.
    ///
    /// - Parameters:
    ///   - clientCertificateAuthority: Given, every client must present a certificate it
    ///     signed (mutual TLS).
    ///   - applicationProtocols: ALPN protocols accepted, in order of preference.
    ///
    /// Python: `ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)`.
    public static func server(
        certificateChain: PEMSource, privateKey: PEMSource, clientCertificateAuthority: PEMSource? = nil,
        applicationProtocols: [String] = []
    ) -> TLSConfiguration {
        TLSConfiguration(
            role: .server, certificateChain: certificateChain, privateKey: privateKey,
            trustRoots: clientCertificateAuthority.map { .certificates($0) } ?? .system,
            verifiesPeer: clientCertificateAuthority != nil, requiresClientCertificate: clientCertificateAuthority != nil,
            applicationProtocols: applicationProtocols, minimumVersion: .tls12, maximumVersion: .tls13)
    }
}
