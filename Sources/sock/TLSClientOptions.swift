import ArgumentParser
import Foundation
import Sockets

/// The TLS options of the client commands (SPEC §6): `--tls` and what it checks.
struct TLSClientOptions: ParsableArguments {
    @Flag(name: .customLong("tls"), help: "Speak TLS (1.2 or 1.3) to the server.")
    var enabled = false

    @Option(name: .customLong("tls-ca"), help: "Trust the CA certificates in this PEM file instead of the system's.")
    var caFile: String?

    @Option(
        name: .customLong("tls-server-name"),
        help: "The name the server's certificate must carry, also sent as SNI (default: the address's host).")
    var serverName: String?

    @Flag(name: .customLong("tls-insecure"), help: "Do not verify the server's certificate (insecure).")
    var insecure = false

    @Option(name: .customLong("tls-cert"), help: "A client certificate (PEM chain) for mutual TLS, with --tls-key.")
    var certificate: String?

    @Option(name: .customLong("tls-key"), help: "The client certificate's private key (PEM).")
    var key: String?

    @Option(name: .customLong("tls-alpn"), help: "Offer this ALPN protocol (repeatable).")
    var applicationProtocols: [String] = []

    /// How long the handshake may take.
    static let handshakeTimeout: Duration = .seconds(10)

    func validate() throws {
        let given = caFile != nil || serverName != nil || insecure || certificate != nil || key != nil
        if !enabled && (given || !applicationProtocols.isEmpty) {
            throw ValidationError("the --tls-... options need --tls")
        }
        if (certificate == nil) != (key == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    /// Connects to `address`, with TLS when `--tls` was given (handshake done, within
    /// ``handshakeTimeout``); the socket is left in blocking mode without a timeout.
    ///
    /// - Throws: `SocketError` when connecting fails; ``CommandFailure``
    ///   `tls handshake ADDR: REASON` when the handshake does.
    func connect(to address: String) throws -> ClientConnection {
        let socket = try Socket.connect(to: address)
        do {
            return try wrap(socket, address: address)
        } catch {
            socket.close()
            throw error
        }
    }

    /// `socket`, connected to `address`, with TLS over it when `--tls` was given (handshake
    /// done within ``handshakeTimeout``; the socket's own timeout is restored after it).
    ///
    /// - Throws: ``CommandFailure`` `tls handshake ADDR: REASON` when the handshake fails;
    ///   the socket is left to the caller.
    func wrap(_ socket: Socket, address: String) throws -> ClientConnection {
        guard enabled else { return ClientConnection(socket: socket, tls: nil) }
        let timeout = socket.timeout
        do {
            let tls = try makeContext().wrap(socket, serverName: serverName ?? Self.host(of: address))
            socket.timeout = Self.handshakeTimeout
            try tls.doHandshake()
            socket.timeout = timeout
            return ClientConnection(socket: socket, tls: tls)
        } catch let error as TLSError {
            throw CommandFailure(error.description)
        }
    }

    /// The client context `--tls` asks for (warns on stderr when insecure).
    ///
    /// - Parameter resumesSessions: False makes every handshake a full one (`bench --mode handshake`).
    /// - Throws: `TLSError` when a CA, certificate or key file cannot be used.
    func makeContext(resumesSessions: Bool = true) throws -> TLSContext {
        if insecure { writeStandardError("sock: warning: --tls-insecure: the server's certificate is not verified\n") }
        var configuration = TLSConfiguration.client(
            trustRoots: caFile.map { .certificates(.file($0)) } ?? .system,
            certificateChain: certificate.map { .file($0) }, privateKey: key.map { .file($0) },
            verifiesPeer: !insecure, applicationProtocols: applicationProtocols)
        configuration.resumesSessions = resumesSessions
        return try TLSContext(configuration)
    }

    /// The host of `HOST:PORT` or `[IPV6]:PORT` (nil for `unix:PATH`): the name checked by default.
    static func host(of address: String) -> String? {
        if address.hasPrefix("unix:") { return nil }
        if address.hasPrefix("["), let end = address.firstIndex(of: "]") {
            return String(address[address.index(after: address.startIndex)..<end])
        }
        return address.lastIndex(of: ":").map { String(address[..<$0]) } ?? address
    }
}
