import COpenSSL
import SwiftASN1
import X509

extension TLSSocket {
    /// The protocol version agreed on (`TLSv1.3`, `TLSv1.2`), nil before the handshake.
    ///
    /// The corresponding C function is `SSL_get_version`; Python: `SSLSocket.version`.
    public var protocolVersion: String? {
        connection.withLock { ssl in
            guard SSL_is_init_finished(ssl) == 1, let text = SSL_get_version(ssl) else { return nil }
            return String(cString: text)
        }
    }

    /// The ALPN protocol agreed on, nil if none.
    ///
    /// The corresponding C function is `SSL_get0_alpn_selected`; Python: `SSLSocket.selected_alpn_protocol`.
    public var applicationProtocol: String? {
        connection.withLock { ssl in
            var data: UnsafePointer<UInt8>?
            var length: UInt32 = 0
            SSL_get0_alpn_selected(ssl, &data, &length)
            guard let data, length > 0 else { return nil }
            return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
        }
    }

    /// The cipher suite agreed on (e.g. `TLS_AES_256_GCM_SHA384`), nil before the handshake.
    ///
    /// The corresponding C function is `SSL_get_current_cipher`; Python: `SSLSocket.cipher()[0]`.
    public var cipherSuite: String? {
        connection.withLock { ssl in
            guard let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher) else { return nil }
            return String(cString: name)
        }
    }

    /// Whether this client connection resumed an earlier session.
    ///
    /// The corresponding C function is `SSL_session_reused`; Python: `SSLSocket.session_reused`.
    public var isSessionReused: Bool {
        connection.withLock { SSL_session_reused($0) == 1 }
    }

    /// The peer's certificate (DER), nil if it sent none (a client without one, or before the handshake).
    ///
    /// The corresponding C function is `SSL_get1_peer_certificate`; Python: `SSLSocket.getpeercert(binary_form=True)`.
    public var peerCertificateDER: [UInt8]? {
        connection.withLock { ssl -> [UInt8]? in
            guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
            defer { X509_free(certificate) }
            var output: UnsafeMutablePointer<UInt8>?
            let length = i2d_X509(certificate, &output)
            guard length > 0, let output else { return nil }
            defer { copenssl_free(output) }
            return Array(UnsafeBufferPointer(start: output, count: Int(length)))
        }
    }

    /// The peer's certificate, parsed (subject, issuer, validity, extensions); nil if it sent none.
    ///
    /// Python: `SSLSocket.getpeercert()`.
    public var peerCertificate: Certificate? {
        guard let der = peerCertificateDER else { return nil }
        return try? Certificate(derEncoded: der)
    }
}
