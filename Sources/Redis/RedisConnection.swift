import DequeModule
import Framing
import Logging
import Sockets

/// One connection to a Redis server, speaking RESP2 over an async ``Socket``, or over a
/// ``TLSSocket`` for a `rediss://` URL.
///
/// Commands are pipelined: ``command(_:)`` writes at once, without waiting for the
/// replies to earlier commands, and each caller gets its own reply (Redis answers in
/// order). A connection that has subscribed (``subscribe(_:)``, ``psubscribe(_:)``)
/// delivers the published messages on ``messages``.
///
/// When the connection breaks, every command waiting for a reply throws
/// ``RedisError/connectionClosed(_:)``, ``messages`` ends and so does
/// ``waitUntilClosed()``; the connection is not reopened (see ``RedisClient``). Its
/// reader and writer tasks keep it alive until then: ``close()`` it when done.
///
/// The Python counterpart is `redis.Redis(...).execute_command(...)` on one connection,
/// and `redis.Redis.pubsub()`.
public final class RedisConnection: Sendable {
    /// How many published messages may wait on ``messages`` for their reader; past it
    /// new ones are dropped and counted (``droppedMessages``).
    public static let messageBufferLimit = 65_536

    /// The server this connection is connected to.
    public let url: RedisURL
    /// The messages published on the channels and patterns this connection subscribed to.
    public let messages: AsyncStream<RedisPubSubMessage>

    /// The reply of one pending command, and who waits for it.
    private typealias Waiter = @Sendable (Result<RESPValue, RedisError>) -> Void

    /// Where a value read from the server goes.
    private enum Routing {
        case reply(Waiter)
        case published
        case unexpected
    }

    private struct State {
        var waiters = Deque<Waiter>()
        var failure: RedisError?
        var isSubscriber = false
        var droppedMessages = 0
        var closedWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The stream the commands and replies travel on.
    private enum Transport: Sendable {
        case plain(Socket)
        case tls(TLSSocket)

        func messages(_ decoder: RESPDecoder) -> MessageSequence<RESPDecoder> {
            switch self {
            case .plain(let socket): socket.messages(decoder)
            case .tls(let stream): stream.messages(decoder)
            }
        }

        func write(_ bytes: [UInt8]) async throws {
            switch self {
            case .plain(let socket): try await socket.write(bytes)
            case .tls(let stream): try await stream.write(bytes)
            }
        }

        func close() {
            switch self {
            case .plain(let socket): socket.close()
            case .tls(let stream): stream.close()
            }
        }
    }

    private let transport: Transport
    private let state = LockedValue(State())
    private let output: AsyncStream<[UInt8]>.Continuation
    private let publications: AsyncStream<RedisPubSubMessage>.Continuation
    private let logger: Logger

    private init(transport: Transport, url: RedisURL, logger: Logger) {
        self.transport = transport
        self.url = url
        self.logger = logger
        (messages, publications) = AsyncStream.makeStream(
            of: RedisPubSubMessage.self, bufferingPolicy: .bufferingOldest(Self.messageBufferLimit))
        let (outputStream, output) = AsyncStream.makeStream(of: [UInt8].self)
        self.output = output
        Task { [self] in await readReplies() }
        Task { [self] in await writeCommands(outputStream) }
    }

    /// Connects to `url` (for `rediss://`, makes the TLS handshake and checks the server's
    /// certificate against the URL's CA file or the system's trust store, and its host),
    /// then authenticates (`AUTH`) and selects its database (`SELECT`).
    ///
    /// - Parameters:
    ///   - url: The server.
    ///   - deadline: Throw if the connection and its set-up take longer.
    ///   - logger: Where failures are logged.
    /// - Throws: `SocketError` when the connection fails; `TLSError` when the CA file
    ///   cannot be loaded or the handshake fails (a certificate the CA did not sign
    ///   included); ``RedisError/server(_:)`` when the server refuses the password or database.
    ///
    /// The Python counterpart is `redis.Redis.from_url(url)` followed by its first command.
    public static func connect(
        to url: RedisURL,
        deadline: ContinuousClock.Instant? = nil,
        logger: Logger = Logger(label: "redis")
    ) async throws -> RedisConnection {
        let context = try url.usesTLS ? makeTLSContext(for: url) : nil
        let socket = try await Socket.connect(to: url.address, deadline: deadline)
        let transport: Transport
        if let context {
            do {
                let stream = try context.wrap(socket, serverName: url.host)
                transport = .tls(stream)
                try await stream.handshake(deadline: deadline)
            } catch {
                socket.close()
                throw error
            }
        } else {
            transport = .plain(socket)
        }
        let connection = RedisConnection(transport: transport, url: url, logger: logger)
        do {
            if let password = url.password {
                _ = try await connection.command(["AUTH"] + (url.user.map { [$0] } ?? []) + [password], deadline: deadline)
            }
            if url.database != 0 {
                _ = try await connection.command(["SELECT", String(url.database)], deadline: deadline)
            }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// The TLS client context for a `rediss://` URL: its CA file, else the system's trust store.
    ///
    /// - Throws: `TLSError` when the CA file cannot be read or holds no certificate.
    public static func makeTLSContext(for url: RedisURL) throws -> TLSContext {
        try TLSContext(.client(trustRoots: url.certificateAuthorityFile.map { .certificates(.file($0)) } ?? .system))
    }

    /// Sends one command and returns its reply.
    ///
    /// - Parameters:
    ///   - arguments: The command and its arguments, e.g. `["SET", "key", "value"]`.
    ///   - deadline: If the reply has not come by then, the connection is closed (the
    ///     replies of a pipelined connection cannot be skipped) and this throws.
    /// - Returns: The reply; an error reply throws instead.
    /// - Throws: ``RedisError/server(_:)`` for an error reply,
    ///   ``RedisError/connectionClosed(_:)`` when the connection is or becomes unusable.
    public func command(_ arguments: [String], deadline: ContinuousClock.Instant? = nil) async throws(RedisError) -> RESPValue {
        try await pipeline([arguments], deadline: deadline)[0].get()
    }

    /// Sends several commands in one write and returns their replies, in order.
    ///
    /// - Parameters:
    ///   - commands: The commands.
    ///   - deadline: As for ``command(_:deadline:)``.
    /// - Returns: Each command's reply or its error reply, in the order of `commands`.
    /// - Throws: ``RedisError/connectionClosed(_:)`` when the connection is or becomes
    ///   unusable.
    public func pipeline(
        _ commands: [[String]],
        deadline: ContinuousClock.Instant? = nil
    ) async throws(RedisError) -> [Result<RESPValue, RedisError>] {
        guard !commands.isEmpty else { return [] }
        var bytes: [UInt8] = []
        for command in commands { RESPEncoder().encode(command: command, into: &bytes) }
        let subscribes = commands.contains { ["SUBSCRIBE", "PSUBSCRIBE"].contains($0.first?.uppercased()) }
        let timer = deadline.map { deadline in
            Task { [self] in
                guard (try? await Task.sleep(until: deadline)) != nil else { return }
                fail(.connectionClosed("no reply by the deadline"))
            }
        }
        defer { timer?.cancel() }
        let results = await withCheckedContinuation {
            (continuation: CheckedContinuation<[Result<RESPValue, RedisError>], Never>) in
            let collector = ReplyCollector(count: commands.count, continuation: continuation)
            let failure = state.withLock { state -> RedisError? in
                if let failure = state.failure { return failure }
                if subscribes { state.isSubscriber = true }
                for index in commands.indices {
                    state.waiters.append { collector.set(index, $0) }
                }
                // Queued under the lock, so that the writes go out in the order of the waiters.
                output.yield(bytes)
                return nil
            }
            if let failure {
                for index in commands.indices { collector.set(index, .failure(failure)) }
            }
        }
        for case .failure(.connectionClosed(let reason)) in results { throw .connectionClosed(reason) }
        return results
    }

    /// Subscribes to `channel` (`SUBSCRIBE`); its messages arrive on ``messages``.
    ///
    /// - Throws: ``RedisError`` as ``command(_:deadline:)`` does.
    public func subscribe(_ channel: String, deadline: ContinuousClock.Instant? = nil) async throws(RedisError) {
        _ = try await command(["SUBSCRIBE", channel], deadline: deadline)
    }

    /// Subscribes to the channels matching `pattern` (`PSUBSCRIBE`, glob-style); their
    /// messages arrive on ``messages`` with ``RedisPubSubMessage/pattern`` set.
    ///
    /// - Throws: ``RedisError`` as ``command(_:deadline:)`` does.
    public func psubscribe(_ pattern: String, deadline: ContinuousClock.Instant? = nil) async throws(RedisError) {
        _ = try await command(["PSUBSCRIBE", pattern], deadline: deadline)
    }

    /// How many published messages were dropped because ``messages`` was not read fast enough.
    public var droppedMessages: Int { state.withLock { $0.droppedMessages } }

    /// Whether the connection is closed or broken.
    public var isClosed: Bool { state.withLock { $0.failure != nil } }

    /// Closes the connection: waiting commands throw, ``messages`` ends.
    public func close() {
        fail(.connectionClosed("closed by the client"))
    }

    /// Returns when the connection is closed or broken.
    public func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let closed = state.withLock { state in
                if state.failure == nil { state.closedWaiters.append(continuation) }
                return state.failure != nil
            }
            if closed { continuation.resume() }
        }
    }

    /// Marks the connection failed once: fails the waiters, ends the streams, closes the socket.
    private func fail(_ error: RedisError) {
        let taken = state.withLock { state -> (Deque<Waiter>, [CheckedContinuation<Void, Never>])? in
            guard state.failure == nil else { return nil }
            state.failure = error
            defer {
                state.waiters = []
                state.closedWaiters = []
            }
            return (state.waiters, state.closedWaiters)
        }
        guard let (waiters, closedWaiters) = taken else { return }
        output.finish()
        publications.finish()
        transport.close()
        for waiter in waiters { waiter(.failure(error)) }
        for waiter in closedWaiters { waiter.resume() }
    }

    private func readReplies() async {
        do {
            for try await value in transport.messages(RESPDecoder()) {
                let routing = state.withLock { state -> Routing in
                    if state.isSubscriber, let message = RedisPubSubMessage(value) {
                        if case .dropped = publications.yield(message) { state.droppedMessages += 1 }
                        return .published
                    }
                    return state.waiters.popFirst().map(Routing.reply) ?? .unexpected
                }
                switch routing {
                case .reply(let waiter):
                    if case .error(let message) = value {
                        waiter(.failure(.server(message)))
                    } else {
                        waiter(.success(value))
                    }
                case .published:
                    continue
                case .unexpected:
                    throw RedisError.unexpectedReply(RESPValueDescription(value))
                }
            }
            fail(.connectionClosed("the server ended the connection"))
        } catch {
            if !isClosed { logger.debug("redis \(url): \(error)") }
            fail(.connectionClosed("\(error)"))
        }
    }

    private func writeCommands(_ commands: AsyncStream<[UInt8]>) async {
        for await bytes in commands {
            do {
                try await transport.write(bytes)
            } catch {
                fail(.connectionClosed("\(error)"))
                return
            }
        }
    }
}

/// Gathers the replies of one pipeline and resumes its caller when all have come.
private final class ReplyCollector: Sendable {
    private let results: LockedValue<[Result<RESPValue, RedisError>?]>
    private let continuation: CheckedContinuation<[Result<RESPValue, RedisError>], Never>

    init(count: Int, continuation: CheckedContinuation<[Result<RESPValue, RedisError>], Never>) {
        results = LockedValue(Array(repeating: nil, count: count))
        self.continuation = continuation
    }

    func set(_ index: Int, _ result: Result<RESPValue, RedisError>) {
        let complete = results.withLock { results -> [Result<RESPValue, RedisError>]? in
            guard results[index] == nil else { return nil }
            results[index] = result
            let all = results.compactMap { $0 }
            return all.count == results.count ? all : nil
        }
        if let complete { continuation.resume(returning: complete) }
    }
}
