import COpenSSL
import SocketsSystem

/// A TLS failure: what was attempted, on which address, and OpenSSL's reason.
///
/// Printed for a person it reads like OpenSSL's and Python's `ssl.SSLError`:
/// `tls handshake 127.0.0.1:9999: certificate verify failed (self-signed certificate)`.
/// Failures of the socket underneath (a reset, a closed socket) are thrown as
/// `SocketError`, not as this.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The categories a caller usually wants to tell apart.
    public enum Kind: Sendable, Hashable {
        /// The peer's certificate was refused: chain, host name, expiry (Python: `ssl.SSLCertVerificationError`).
        case certificateVerifyFailed
        /// The handshake did not finish before its deadline.
        case handshakeTimedOut
        /// The peer ended the TCP connection without close_notify (Python: `ssl.SSLEOFError`).
        case truncated
        /// The peer broke the protocol, or offered nothing we accept (versions, ciphers, a client certificate).
        case protocolFailure
        /// The configuration cannot be used: a missing or malformed certificate, key or CA file.
        case invalidConfiguration
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// The operation that failed: `tls handshake`, `tls read`, `tls write`, `tls shutdown`, `tls context`.
    public var operation: String
    /// The peer's address, when known.
    public var address: SocketAddress?
    /// OpenSSL's reason, e.g. `certificate verify failed (self-signed certificate)`.
    public var reason: String

    /// Creates an error.
    public init(_ kind: Kind, operation: String, address: SocketAddress? = nil, reason: String) {
        self.kind = kind
        self.operation = operation
        self.address = address
        self.reason = reason
    }

    /// `OPERATION [ADDRESS]: reason`.
    public var description: String {
        var text = operation
        if let address { text += " \(address)" }
        return text + ": " + reason
    }
}

extension TLSError {
    /// The error OpenSSL's queue holds (emptied here), for a call on `ssl` that failed
    /// with `SSL_ERROR_SSL`; a certificate refused says why (`SSL_get_verify_result`).
    static func fromQueue(
        operation: String, address: SocketAddress?, ssl: OpaquePointer?, fallback: String = "failed"
    ) -> TLSError {
        let code = ERR_peek_last_error()
        defer { ERR_clear_error() }
        guard code != 0 else { return TLSError(.protocolFailure, operation: operation, address: address, reason: fallback) }
        var reason = reasonText(code) ?? fallback
        var kind = Kind.protocolFailure
        let reasonCode = ERR_GET_REASON(code)
        if reasonCode == SSL_R_CERTIFICATE_VERIFY_FAILED {
            kind = .certificateVerifyFailed
            if let ssl {
                let result = SSL_get_verify_result(ssl)
                if result != X509_V_OK, let text = X509_verify_cert_error_string(result) {
                    reason += " (\(String(cString: text)))"
                }
            }
        } else if reasonCode == SSL_R_UNEXPECTED_EOF_WHILE_READING {
            kind = .truncated
            reason = "truncated: the peer closed the connection without close_notify"
        }
        return TLSError(kind, operation: operation, address: address, reason: reason)
    }

    /// An error for a failed context setup (a file that cannot be read, a key that does not fit).
    static func configuration(_ what: String) -> TLSError {
        let code = ERR_peek_last_error()
        defer { ERR_clear_error() }
        let reason = code == 0 ? what : "\(what): \(reasonText(code) ?? "failed")"
        return TLSError(.invalidConfiguration, operation: "tls context", reason: reason)
    }

    private static func reasonText(_ code: UInt) -> String? {
        ERR_reason_error_string(code).map { String(cString: $0) }
    }
}
