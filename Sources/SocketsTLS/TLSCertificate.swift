import Crypto
import Foundation
import SocketsSystem
import SwiftASN1
import X509

/// A certificate and its private key, both PEM, made in memory (swift-certificates and
/// swift-crypto, P-256 keys): a self-signed one for a server that has none
/// (`sock serve --tls-self-signed`), or an authority and the certificates it issues, for tests.
///
/// Nothing is written to disk; use ``certificatePEM`` and ``privateKeyPEM`` with
/// ``TLSConfiguration/PEMSource/pem(_:)``.
public struct TLSCertificate: Sendable {
    /// The certificate, PEM.
    public let certificatePEM: String
    /// The private key, PKCS#8 PEM.
    public let privateKeyPEM: String
    /// The SHA-256 of the certificate's DER, as `AB:CD:…` (what `openssl x509 -fingerprint -sha256` prints).
    public let fingerprintSHA256: String
    private let certificate: Certificate
    private let key: P256.Signing.PrivateKey

    /// A self-signed certificate for `hosts` (names and IP addresses), usable as its
    /// own authority (a client may trust it with ``TLSConfiguration/TrustRoots/certificates(_:)``).
    ///
    /// - Parameters:
    ///   - hosts: The names and addresses the certificate is valid for; the first is its common name.
    ///   - notValidBefore: When it starts to be valid (default: an hour ago, for clocks that differ).
    ///   - notValidAfter: When it expires (default: a year from now).
    /// - Throws: An error from swift-certificates if the certificate cannot be made.
    public static func selfSigned(
        hosts: [String], notValidBefore: Date = Date(timeIntervalSinceNow: -3600),
        notValidAfter: Date = Date(timeIntervalSinceNow: 365 * 24 * 3600)
    ) throws -> TLSCertificate {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(hosts.first ?? "sockets") }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            try ExtendedKeyUsage([.serverAuth, .clientAuth])
            SubjectAlternativeNames(hosts.map(Self.generalName))
        }
        return try TLSCertificate(
            key: key, subject: name, issuer: name, issuerKey: key, extensions: extensions,
            notValidBefore: notValidBefore, notValidAfter: notValidAfter)
    }

    /// A certificate for `hosts` signed by this one (which must be an authority, as
    /// ``selfSigned(hosts:notValidBefore:notValidAfter:)`` makes), for servers and clients.
    ///
    /// - Parameters:
    ///   - hosts: The names and addresses the certificate is valid for; the first is its common name.
    ///   - notValidBefore: When it starts to be valid.
    ///   - notValidAfter: When it expires (a date in the past makes an expired certificate).
    /// - Throws: An error from swift-certificates if the certificate cannot be made.
    public func issue(
        hosts: [String], notValidBefore: Date = Date(timeIntervalSinceNow: -3600),
        notValidAfter: Date = Date(timeIntervalSinceNow: 365 * 24 * 3600)
    ) throws -> TLSCertificate {
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth, .clientAuth])
            SubjectAlternativeNames(hosts.map(Self.generalName))
        }
        return try TLSCertificate(
            key: P256.Signing.PrivateKey(), subject: DistinguishedName { CommonName(hosts.first ?? "sockets") },
            issuer: certificate.subject, issuerKey: key, extensions: extensions,
            notValidBefore: notValidBefore, notValidAfter: notValidAfter)
    }

    private init(
        key: P256.Signing.PrivateKey, subject: DistinguishedName, issuer: DistinguishedName,
        issuerKey: P256.Signing.PrivateKey, extensions: Certificate.Extensions, notValidBefore: Date, notValidAfter: Date
    ) throws {
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: notValidBefore, notValidAfter: notValidAfter, issuer: issuer, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: .init(issuerKey))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let digest = SHA256.hash(data: serializer.serializedBytes)
        self.certificate = certificate
        self.key = key
        self.certificatePEM = try certificate.serializeAsPEM().pemString
        self.privateKeyPEM = key.pemRepresentation
        self.fingerprintSHA256 = digest.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    /// A DNS name, or an IP address for an IPv4 or IPv6 literal.
    private static func generalName(_ host: String) -> GeneralName {
        if let address = IPv4Address(host) {
            let octets = address.octets
            return .ipAddress(ASN1OctetString(contentBytes: [octets.0, octets.1, octets.2, octets.3]))
        }
        if let address = IPv6Address(host) {
            return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(address.bytes)))
        }
        return .dnsName(host)
    }
}
