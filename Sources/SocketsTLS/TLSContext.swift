import COpenSSL
import CSocketsTLS
import SocketsCore
import SocketsSystem

/// A TLS context made once from a ``TLSConfiguration`` and shared by every connection
/// it wraps (OpenSSL's `SSL_CTX`): certificates, keys and trust are loaded here, not per
/// connection.
///
/// Python: `ssl.SSLContext`; ``wrap(_:serverName:)`` is `context.wrap_socket(sock, server_hostname=...)`.
public final class TLSContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX is fully set up in init and never changed afterwards;
    // OpenSSL documents a configured SSL_CTX as safe to use from many threads at once
    // (SSL_new takes its references under the context's own lock).
    let context: OpaquePointer
    /// What the context was made from.
    public let configuration: TLSConfiguration
    /// The server's ALPN list in wire format and a 0 byte, which OpenSSL's callback reads.
    private let alpnSelection: UnsafeMutableBufferPointer<UInt8>?
    /// A client's latest session (`SSL_SESSION`, owned) per server, for resumption.
    private let sessions = LockedValue<[String: OpaquePointer]>([:])

    /// Makes a context: loads the certificate chain, the key and the trust roots.
    ///
    /// - Throws: ``TLSError`` `invalidConfiguration` when a file cannot be read or parsed,
    ///   the key does not match the certificate, or a server has no certificate.
    ///
    /// The corresponding C function is `SSL_CTX_new`; Python: `ssl.SSLContext` and `load_cert_chain`.
    public init(_ configuration: TLSConfiguration) throws(TLSError) {
        let method = configuration.role == .client ? TLS_client_method() : TLS_server_method()
        guard let context = SSL_CTX_new(method) else { throw TLSError.configuration("SSL_CTX_new") }
        self.context = context
        self.configuration = configuration
        if configuration.role == .server, !configuration.applicationProtocols.isEmpty {
            let wire = Self.wireFormat(configuration.applicationProtocols)
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: wire.count + 1)
            _ = buffer.initialize(from: wire + [0])
            alpnSelection = buffer
        } else {
            alpnSelection = nil
        }
        try configure()
    }

    deinit {
        SSL_CTX_free(context)
        alpnSelection?.deallocate()
        sessions.withLock { $0.values.forEach { SSL_SESSION_free($0) } }
    }

    private func configure() throws(TLSError) {
        copenssl_set_default_options(context)
        _ = copenssl_set_mode(
            context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS))
        _ = copenssl_set_minimum_version(context, Self.protocolNumber(configuration.minimumVersion))
        _ = copenssl_set_maximum_version(context, Self.protocolNumber(configuration.maximumVersion))
        if let chain = configuration.certificateChain { try useCertificateChain(chain) }
        if let key = configuration.privateKey {
            try usePrivateKey(key)
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw TLSError.configuration("the private key does not match the certificate")
            }
        }
        if configuration.role == .server && configuration.certificateChain == nil {
            throw TLSError(.invalidConfiguration, operation: "tls context", reason: "a server needs a certificate and a key")
        }
        if configuration.verifiesPeer {
            try loadTrustRoots(configuration.trustRoots)
            var mode = SSL_VERIFY_PEER
            if configuration.role == .server && configuration.requiresClientCertificate {
                mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT
            }
            SSL_CTX_set_verify(context, mode, nil)
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        if configuration.role == .server {
            let sessionContext = Array("sockets".utf8)
            _ = SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))
            if let alpnSelection {
                _ = csockets_tls_set_alpn_selection(UnsafeMutableRawPointer(context), alpnSelection.baseAddress)
            }
        } else {
            if !configuration.applicationProtocols.isEmpty {
                let wire = Self.wireFormat(configuration.applicationProtocols)
                guard SSL_CTX_set_alpn_protos(context, wire, UInt32(wire.count)) == 0 else {
                    throw TLSError.configuration("ALPN protocols")
                }
            }
            // Every new session (TLS 1.3: each ticket, after the handshake) is kept for resumption.
            let cacheMode =
                configuration.resumesSessions ? SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE : SSL_SESS_CACHE_OFF
            _ = copenssl_set_session_cache_mode(context, Int(cacheMode))
            SSL_CTX_sess_set_new_cb(context) { ssl, session in
                guard let ssl, let session, let owner = SSL_get_ex_data(ssl, 0) else { return 0 }
                let socket = Unmanaged<TLSSocket>.fromOpaque(owner).takeUnretainedValue()
                guard let key = socket.sessionKey else { return 0 }
                socket.context.keep(session, for: key)
                return 1
            }
        }
    }

    /// Keeps `session` (taking ownership) as the one to resume with `key`'s server.
    private func keep(_ session: OpaquePointer, for key: String) {
        let previous = sessions.withLock { $0.updateValue(session, forKey: key) }
        if let previous { SSL_SESSION_free(previous) }
    }

    /// Offers the session kept for `key`'s server, if any, on a new client connection.
    func offerSession(for key: String, on ssl: OpaquePointer) {
        sessions.withLock { sessions in
            if let session = sessions[key] { _ = SSL_set_session(ssl, session) }
        }
    }

    private func useCertificateChain(_ source: TLSConfiguration.PEMSource) throws(TLSError) {
        switch source {
        case .file(let path):
            guard SSL_CTX_use_certificate_chain_file(context, path) == 1 else {
                throw TLSError.configuration("certificate chain \(path)")
            }
        case .pem(let text):
            let certificates = Self.certificates(in: text)
            guard let first = certificates.first else { throw TLSError.configuration("certificate chain: no certificate") }
            defer { X509_free(first) }
            guard SSL_CTX_use_certificate(context, first) == 1 else { throw TLSError.configuration("certificate chain") }
            for certificate in certificates.dropFirst() where copenssl_add_extra_chain_certificate(context, certificate) != 1 {
                X509_free(certificate)
                throw TLSError.configuration("certificate chain")
            }
        }
    }

    private func usePrivateKey(_ source: TLSConfiguration.PEMSource) throws(TLSError) {
        switch source {
        case .file(let path):
            guard SSL_CTX_use_PrivateKey_file(context, path, SSL_FILETYPE_PEM) == 1 else {
                throw TLSError.configuration("private key \(path)")
            }
        case .pem(let text):
            let key = Self.withMemoryBIO(text) { bio in PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
            guard let key else { throw TLSError.configuration("private key") }
            defer { EVP_PKEY_free(key) }
            guard SSL_CTX_use_PrivateKey(context, key) == 1 else { throw TLSError.configuration("private key") }
        }
    }

    private func loadTrustRoots(_ roots: TLSConfiguration.TrustRoots) throws(TLSError) {
        switch roots {
        case .system:
            guard SSL_CTX_set_default_verify_paths(context) == 1 else { throw TLSError.configuration("system trust store") }
        case .certificates(.file(let path)):
            guard SSL_CTX_load_verify_locations(context, path, nil) == 1 else {
                throw TLSError.configuration("CA file \(path)")
            }
            if configuration.role == .server, let names = SSL_load_client_CA_file(path) {
                SSL_CTX_set_client_CA_list(context, names)
            }
        case .certificates(.pem(let text)):
            let certificates = Self.certificates(in: text)
            defer { certificates.forEach { X509_free($0) } }
            guard !certificates.isEmpty else { throw TLSError.configuration("CA certificates: no certificate") }
            let store = SSL_CTX_get_cert_store(context)
            for certificate in certificates {
                guard X509_STORE_add_cert(store, certificate) == 1 else { throw TLSError.configuration("CA certificates") }
                if configuration.role == .server { _ = SSL_CTX_add_client_CA(context, certificate) }
            }
        }
    }

    /// Wraps a connected stream socket; the handshake happens on the first read or write,
    /// or with ``TLSSocket/handshake(deadline:)``.
    ///
    /// - Parameters:
    ///   - socket: A connected stream socket; the TLS socket keeps it alive, and closing it ends TLS too.
    ///   - serverName: A client's name for the server: sent as SNI (unless an IP address)
    ///     and checked against its certificate. Nil on a client skips the host-name check.
    /// - Throws: ``TLSError`` when OpenSSL cannot make the connection object.
    ///
    /// The corresponding C function is `SSL_new`; Python: `context.wrap_socket(sock, server_side=..., server_hostname=...)`.
    public func wrap(_ socket: Socket, serverName: String? = nil) throws(TLSError) -> TLSSocket {
        try TLSSocket(socket: socket, context: self, serverName: serverName)
    }

    /// The ALPN wire format: each name preceded by its length.
    private static func wireFormat(_ protocols: [String]) -> [UInt8] {
        protocols.flatMap { name in [UInt8(min(name.utf8.count, 255))] + name.utf8.prefix(255) }
    }

    private static func protocolNumber(_ version: TLSConfiguration.Version) -> Int32 {
        switch version {
        case .tls12: return TLS1_2_VERSION
        case .tls13: return TLS1_3_VERSION
        }
    }

    /// Every certificate in PEM `text` (the caller frees them).
    static func certificates(in text: String) -> [OpaquePointer] {
        withMemoryBIO(text) { bio in
            var certificates: [OpaquePointer] = []
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) { certificates.append(certificate) }
            ERR_clear_error()
            return certificates
        }
    }

    private static func withMemoryBIO<R>(_ text: String, _ body: (OpaquePointer?) -> R) -> R {
        var text = text
        return text.withUTF8 { bytes in
            let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count))
            defer { BIO_free(bio) }
            return body(bio)
        }
    }
}
