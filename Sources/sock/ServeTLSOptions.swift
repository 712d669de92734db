import ArgumentParser
import Sockets

/// The TLS options of `sock serve` (SPEC §6): a certificate and key, or a fresh self-signed one.
struct ServeTLSOptions: ParsableArguments {
    @Option(name: .customLong("tls-cert"), help: "Serve TLS with this certificate chain (PEM), with --tls-key.")
    var certificate: String?

    @Option(name: .customLong("tls-key"), help: "The certificate's private key (PEM: PKCS#8 or traditional).")
    var key: String?

    @Option(
        name: .customLong("tls-client-ca"),
        help: "Require a client certificate signed by a CA in this PEM file (mutual TLS).")
    var clientCA: String?

    @Flag(
        name: .customLong("tls-self-signed"),
        help: "Serve TLS with a fresh key and self-signed certificate for the listen host (nothing written to disk).")
    var selfSigned = false

    /// Whether any TLS option was given.
    var isEnabled: Bool { certificate != nil || key != nil || selfSigned || clientCA != nil }

    func validate() throws {
        if selfSigned && (certificate != nil || key != nil) {
            throw ValidationError("--tls-self-signed makes its own certificate; drop --tls-cert and --tls-key")
        }
        if !selfSigned && (certificate == nil) != (key == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if clientCA != nil && !selfSigned && certificate == nil {
            throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key, or --tls-self-signed")
        }
    }

    /// The server context, nil without TLS options. With `--tls-self-signed` the
    /// certificate is made for `listenAddress`'s host (and `localhost`) and its SHA-256
    /// fingerprint printed on stderr.
    ///
    /// - Throws: `TLSError` when a file cannot be read or the key does not fit.
    func makeContext(listenAddress: String) throws -> TLSContext? {
        guard isEnabled else { return nil }
        let chain: TLSConfiguration.PEMSource
        let privateKey: TLSConfiguration.PEMSource
        if selfSigned {
            var hosts = [TLSClientOptions.host(of: listenAddress) ?? "localhost", "localhost"]
            if hosts[0] == "localhost" || hosts[0].isEmpty { hosts.removeFirst() }
            let generated = try TLSCertificate.selfSigned(hosts: hosts)
            writeStandardError("tls sha256 fingerprint \(generated.fingerprintSHA256)\n")
            chain = .pem(generated.certificatePEM)
            privateKey = .pem(generated.privateKeyPEM)
        } else {
            guard let certificate, let key else { return nil }
            chain = .file(certificate)
            privateKey = .file(key)
        }
        return try TLSContext(
            .server(certificateChain: chain, privateKey: privateKey, clientCertificateAuthority: clientCA.map { .file($0) }))
    }
}
