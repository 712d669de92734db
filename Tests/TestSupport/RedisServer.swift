import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A `redis-server` child for a test, on a free loopback port, with no persistence
/// (`--save '' --appendonly no`); stopped by its PID when the test is done or this object
/// goes away. With ``TLSFiles`` it listens for TLS only (`--tls-port`), and
/// ``url`` is `rediss://`.
public final class RedisServer: Sendable {
    /// The PEM files of a TLS server: its certificate, its key, and the CA it names
    /// (clients are not asked for certificates: `--tls-auth-clients no`).
    public struct TLSFiles: Sendable {
        /// The server's certificate.
        public var certificate: String
        /// The server's private key.
        public var key: String
        /// The CA certificate (Redis needs one even when it does not check clients).
        public var authority: String

        /// Writes PEM texts into `directory` as `redis.crt`, `redis.key` and `ca.crt`.
        ///
        /// - Throws: When a file cannot be written.
        public init(certificatePEM: String, keyPEM: String, authorityPEM: String, in directory: TemporaryDirectory) throws {
            certificate = directory.file("redis.crt")
            key = directory.file("redis.key")
            authority = directory.file("ca.crt")
            for (path, text) in [(certificate, certificatePEM), (key, keyPEM), (authority, authorityPEM)] {
                try text.write(toFile: path, atomically: false, encoding: .utf8)
            }
        }
    }

    /// Whether `redis-server` is installed (`.ci/run` installs it).
    public static var isInstalled: Bool { Products.isOnPath("redis-server") }

    /// The port it listens on, on 127.0.0.1.
    public let port: UInt16
    /// The server process.
    public let process: ChildProcess
    /// Whether it speaks TLS.
    public let usesTLS: Bool

    /// `redis://127.0.0.1:PORT`, or `rediss://127.0.0.1:PORT` for a TLS server.
    public var url: String { "\(usesTLS ? "rediss" : "redis")://127.0.0.1:\(port)" }

    /// Starts a server and waits until it accepts connections.
    ///
    /// - Parameters:
    ///   - port: The port; nil: a free one (retried if another process takes it first).
    ///   - tls: Given, the server speaks TLS only, with these files.
    ///   - arguments: More options, e.g. `["--requirepass", "secret"]`.
    public init(port: UInt16? = nil, tls: TLSFiles? = nil, arguments: [String] = []) throws {
        var attempts = 0
        usesTLS = tls != nil
        while true {
            attempts += 1
            let chosen = try port ?? Self.freePort()
            var listening = ["--port", String(chosen)]
            if let tls {
                listening = [
                    "--port", "0", "--tls-port", String(chosen), "--tls-cert-file", tls.certificate, "--tls-key-file", tls.key,
                    "--tls-ca-cert-file", tls.authority, "--tls-auth-clients", "no",
                ]
            }
            let process = try ChildProcess(
                "/usr/bin/env",
                ["redis-server"] + listening + ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"] + arguments)
            if process.standardOutput.wait(forText: "Ready to accept connections") {
                self.port = chosen
                self.process = process
                return
            }
            process.stop(SIGKILL)
            guard port == nil && attempts < 3 else {
                throw HarnessError("redis-server did not start: \(process.standardOutput.text)")
            }
        }
    }

    /// Kills the server (SIGKILL) and waits for it to exit.
    public func kill() {
        process.stop(SIGKILL)
    }

    /// Stops the server (SIGTERM) and waits for it to exit.
    public func stop() {
        process.stop()
    }

    deinit { process.stop(SIGKILL) }

    private static func freePort() throws -> UInt16 {
        let reserved = try ClosedPort()
        defer { reserved.close() }
        return reserved.port
    }
}
