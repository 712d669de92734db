import Framing
import Logging
import Sockets

/// A Redis client that reconnects: commands go over one ``RedisConnection``, which is
/// opened on first use and opened again after it breaks, with exponential ``Backoff``
/// between failed attempts (a caller retrying in a loop waits, it never spins).
///
/// The Python counterpart is `redis.Redis.from_url(url, retry=Retry(ExponentialBackoff(), …))`.
public actor RedisClient {
    /// The server.
    public let url: RedisURL
    private let logger: Logger
    private let connectTimeout: Duration
    private var backoff: Backoff
    private var connection: RedisConnection?
    private var connecting: Task<RedisConnection, any Error>?
    private var nextAttempt: ContinuousClock.Instant?

    /// Creates a client; nothing is connected until the first command.
    ///
    /// - Parameters:
    ///   - url: The server.
    ///   - backoff: The delays between failed connection attempts.
    ///   - connectTimeout: How long one connection attempt may take.
    ///   - logger: Where failures are logged.
    public init(
        url: RedisURL,
        backoff: Backoff = Backoff(),
        connectTimeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "redis")
    ) {
        self.url = url
        self.backoff = backoff
        self.connectTimeout = connectTimeout
        self.logger = logger
    }

    /// Sends one command, connecting first if needed, and returns its reply.
    ///
    /// - Parameter arguments: The command and its arguments.
    /// - Throws: ``RedisError/server(_:)`` for an error reply; `SocketError` or
    ///   ``RedisError/connectionClosed(_:)`` when the server cannot be reached (the next
    ///   call waits out the backoff before it tries again).
    public func command(_ arguments: [String], deadline: ContinuousClock.Instant? = nil) async throws -> RESPValue {
        try await connected().command(arguments, deadline: deadline)
    }

    /// Sends several commands in one write (see ``RedisConnection/pipeline(_:deadline:)``).
    ///
    /// - Throws: As ``command(_:deadline:)``.
    public func pipeline(
        _ commands: [[String]],
        deadline: ContinuousClock.Instant? = nil
    ) async throws -> [Result<RESPValue, RedisError>] {
        try await connected().pipeline(commands, deadline: deadline)
    }

    /// The open connection, or a new one once the backoff allows another attempt.
    ///
    /// - Throws: `SocketError` or ``RedisError`` when the attempt fails.
    public func connected() async throws -> RedisConnection {
        if let connection, !connection.isClosed { return connection }
        if let connecting { return try await connecting.value }
        let attempt = Task { [url, logger, connectTimeout, nextAttempt] in
            if let nextAttempt { try await Task.sleep(until: nextAttempt) }
            return try await RedisConnection.connect(to: url, deadline: .now + connectTimeout, logger: logger)
        }
        connecting = attempt
        defer { connecting = nil }
        do {
            let opened = try await attempt.value
            connection = opened
            backoff.reset()
            nextAttempt = nil
            return opened
        } catch {
            nextAttempt = .now + backoff.nextDelay()
            logger.debug("redis \(url): \(error)")
            throw error
        }
    }

    /// Closes the connection, if one is open; a later command opens a new one.
    public func close() {
        connection?.close()
        connection = nil
    }
}
