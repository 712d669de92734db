#if canImport(Glibc)
    import Glibc
#endif

/// A `redis-server` child for a test, on a free loopback port, with no persistence
/// (`--save '' --appendonly no`); stopped by its PID when the test is done or this object
/// goes away.
public final class RedisServer: Sendable {
    /// Whether `redis-server` is installed (`.ci/run` installs it).
    public static var isInstalled: Bool { Products.isOnPath("redis-server") }

    /// The port it listens on, on 127.0.0.1.
    public let port: UInt16
    /// The server process.
    public let process: ChildProcess

    /// `redis://127.0.0.1:PORT`.
    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Starts a server and waits until it accepts connections.
    ///
    /// - Parameters:
    ///   - port: The port; nil: a free one (retried if another process takes it first).
    ///   - arguments: More options, e.g. `["--requirepass", "secret"]`.
    public init(port: UInt16? = nil, arguments: [String] = []) throws {
        var attempts = 0
        while true {
            attempts += 1
            let chosen = try port ?? Self.freePort()
            let process = try ChildProcess(
                "/usr/bin/env",
                ["redis-server", "--port", String(chosen), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
                    + arguments)
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
