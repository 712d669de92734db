import DequeModule
import Framing
import Logging
import Redis
import ServiceLifecycle
import Sockets

/// What the cluster asks the local room to deliver.
public enum ChatClusterDelivery: Sendable, Equatable {
    /// A line for every local member (a remote line, a notice).
    case everyone(String)
    /// A line for the local member called `name`, if there is one (a private message).
    case member(named: String, line: String)
    /// The local member called `name` lost its name to a member of another node: a clash
    /// found when this node re-claimed its names (after Redis came back, or missed
    /// renewals). The member must be renamed (``ChatCluster/memberRenamed(from:to:)``) and told.
    case nameLost(String)
}

/// The bridge between one node's chat room and the others' through Redis (SPEC §8).
///
/// The local room tells it what its members do (``memberJoined(_:)``, ``memberSaid(_:_:)``,
/// …); it publishes that on the room's channel and delivers what other nodes publish
/// through the handler given to ``attach(_:)``. Everything bound for Redis goes through
/// one bounded FIFO queue and one connection, so a sender's events keep their order and a
/// slow Redis costs dropped (counted, logged) events, never a stalled room.
///
/// While Redis is unreachable the local room goes on alone: its members are told
/// `* cluster link down`, the bridge reconnects with backoff, re-registers the node
/// (heartbeat, members) and re-claims its members' names, then says `* cluster link
/// restored`. Redis may have come back empty, and the names taken on each node while
/// the link was down may clash: a clash is settled by node name (``ChatClusterScripts/claimNames``)
/// and the losing member is named by ``ChatClusterDelivery/nameLost(_:)``. Each node beats a heartbeat key; a node
/// whose heartbeat expired is removed by the first node that notices, which publishes
/// its members' `left` notices.
///
/// Run it as a `Service` placed before the server in a `ServiceGroup` (which shuts its
/// services down in reverse order, so this stops after the server): on graceful shutdown
/// it sends what is queued — the members' `left` notices — and removes the node from Redis.
public final class ChatCluster: Service, Sendable {
    /// The settings.
    public let configuration: ChatClusterConfiguration
    private let logger: Logger
    private let state = LockedValue(State())

    /// What the answer to a queued command is given to: `nil` if it was never sent.
    private typealias Reply = @Sendable (Result<RESPValue, RedisError>?) -> Void

    private struct QueuedCommand {
        var arguments: [String]
        var reply: Reply?
    }

    private struct State {
        /// The connection of the current session, while the link is up.
        var link: RedisConnection?
        var ring: AsyncStream<Void>.Continuation?
        var queue = Deque<QueuedCommand>()
        var sequence: UInt64 = 0
        var droppedCommands = 0
        var localNames: Set<String> = []
        var remoteMembers: [String: [String]] = [:]
        var lastSequences: [String: UInt64] = [:]
        var stopping = false
        var deliver: (@Sendable (ChatClusterDelivery) -> Void)?
    }

    /// Creates the bridge; it connects when run.
    ///
    /// - Parameters:
    ///   - configuration: Redis, room, node and timings.
    ///   - logger: Where link changes and dropped events are logged.
    public init(configuration: ChatClusterConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Sets what receives the lines other nodes send to this room.
    public func attach(_ deliver: @escaping @Sendable (ChatClusterDelivery) -> Void) {
        state.withLock { $0.deliver = deliver }
    }

    /// Whether the link to Redis is up.
    public var isLinked: Bool { state.withLock { $0.link != nil } }

    /// How many commands were dropped because the queue to Redis was full.
    public var droppedCommands: Int { state.withLock { $0.droppedCommands } }

    /// The names of the members on other nodes, by node then name.
    public var remoteNames: [String] {
        state.withLock { state in state.remoteMembers.sorted { $0.key < $1.key }.flatMap { $0.value.sorted() } }
    }

    /// Whether a member of another node is called `name`.
    public func isRemote(_ name: String) -> Bool {
        state.withLock { state in state.remoteMembers.values.contains { $0.contains(name) } }
    }

    // MARK: What local members do

    /// A local member joined as `name`.
    public func memberJoined(_ name: String) {
        enqueue(event: .joined(name: name)) { state in
            state.localNames.insert(name)
            return [["SADD", configuration.membersKey(configuration.node), name]]
        }
    }

    /// A local member called `name` left.
    public func memberLeft(_ name: String) {
        enqueue(event: .left(name: name)) { state in
            state.localNames.remove(name)
            return [["SREM", configuration.membersKey(configuration.node), name], releaseNames([name], of: configuration.node)]
        }
    }

    /// A local member renamed itself from `old` to `new` (which ``claim(_:)`` claimed).
    public func memberRenamed(from old: String, to new: String) {
        enqueue(event: .renamed(from: old, to: new)) { state in
            state.localNames.remove(old)
            state.localNames.insert(new)
            let members = configuration.membersKey(configuration.node)
            return [["SREM", members, old], ["SADD", members, new], releaseNames([old], of: configuration.node)]
        }
    }

    /// A local member called `name` said `text` to the room.
    public func memberSaid(_ name: String, _ text: String) {
        enqueue(event: .line(name: name, text: text)) { _ in [] }
    }

    /// A local member sends `text` to `recipient`, a member of another node.
    public func sendPrivate(from sender: String, to recipient: String, _ text: String) {
        enqueue(event: .privateLine(from: sender, to: recipient, text: text)) { _ in [] }
    }

    /// Claims `name` for a local member across the room (`SET … NX`), refreshed by this
    /// node while the member has it.
    ///
    /// - Returns: `false` if a member of another node has it; `true` when claimed, and
    ///   when Redis cannot tell in time (the link is down: local rules only).
    public func claim(_ name: String) async -> Bool {
        let key = configuration.nameKey(name)
        let owner = await request(["SET", key, configuration.node, "NX", "GET", "PX", milliseconds(configuration.nameTimeToLive)])
        guard let owner, case .success(let value) = owner, let current = value.text else { return true }
        guard current == configuration.node else { return false }
        // A claim of this node's, left by a member who has gone: it is this member's now.
        _ = await request(["SET", key, configuration.node, "PX", milliseconds(configuration.nameTimeToLive)])
        return true
    }

    /// The next `guest-N` of the room, numbered across its nodes and claimed; `nil` when
    /// Redis cannot tell in time (the local room then numbers its guest itself).
    public func nextGuestName() async -> String? {
        for _ in 0..<3 {
            guard case .success(let reply)? = await request(["INCR", configuration.guestsKey]), let number = reply.integer else {
                return nil
            }
            let name = "guest-\(number)"
            if await claim(name) { return name }
        }
        return nil
    }

    // MARK: The link

    /// Keeps the link to Redis up until graceful shutdown, then says goodbye.
    public func run() async {
        await withGracefulShutdownHandler {
            await superviseLink()
        } onGracefulShutdown: { [self] in
            let ring = state.withLock { state in
                state.stopping = true
                return state.ring
            }
            ring?.yield()
        }
    }

    /// Whether the bridge is shutting down, or its task was cancelled.
    private var isStopping: Bool { Task.isCancelled || state.withLock { $0.stopping } }

    private func superviseLink() async {
        var backoff = configuration.backoff
        var announcedDown = false
        var failure = "the link broke"
        while !isStopping {
            let deadline = ContinuousClock.now + .seconds(3)
            do {
                let commands = try await RedisConnection.connect(to: configuration.url, deadline: deadline, logger: logger)
                defer { commands.close() }
                let subscriber = try await RedisConnection.connect(to: configuration.url, deadline: deadline, logger: logger)
                defer { subscriber.close() }
                try await subscriber.subscribe(configuration.channel, deadline: deadline)
                backoff.reset()
                await runSession(commands: commands, subscriber: subscriber, restored: announcedDown)
                announcedDown = false
            } catch {
                failure = "\(error)"
                logger.debug("cluster: \(configuration.url): \(error)")
            }
            guard !isStopping else { break }
            if !announcedDown {
                logger.warning("cluster: link to \(configuration.url) down (\(failure)); the local room goes on")
                deliver([.everyone("* cluster link down")])
                announcedDown = true
            }
            let until = ContinuousClock.now + backoff.nextDelay()
            while !isStopping && ContinuousClock.now < until {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// One session on a working link: registers the node, then publishes, receives and
    /// beats until the link breaks or the node stops.
    private func runSession(commands: RedisConnection, subscriber: RedisConnection, restored: Bool) async {
        let (bell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        state.withLock { state in
            state.link = commands
            state.ring = ring
            state.queue = Deque(registration(state.localNames))
        }
        logger.info("cluster: linked to \(configuration.url) as node \(configuration.node) in room \(configuration.room)")
        if restored { deliver([.everyone("* cluster link restored")]) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.publish(over: commands, bell: bell) }
            group.addTask {
                for await message in subscriber.messages { self.receive(message) }
            }
            group.addTask { await self.beat(commands) }
            await group.next()
            // Closed first: a publisher waiting for a Redis that stopped answering wakes.
            commands.close()
            subscriber.close()
            group.cancelAll()
        }
        let dropped = state.withLock { state -> [QueuedCommand] in
            state.link = nil
            state.ring = nil
            state.remoteMembers = [:]
            defer { state.queue = [] }
            return Array(state.queue)
        }
        for command in dropped { command.reply?(nil) }
    }

    /// The commands that (re-)register this node and its members and re-claim their names.
    private func registration(_ names: Set<String>) -> [QueuedCommand] {
        let node = configuration.node
        let members = configuration.membersKey(node)
        var commands = [
            ["SET", configuration.heartbeatKey(node), "1", "PX", milliseconds(configuration.nodeTimeToLive)],
            ["SADD", configuration.nodesKey, node], ["DEL", members],
        ].map { QueuedCommand(arguments: $0, reply: nil) }
        let sorted = names.sorted()
        if !sorted.isEmpty {
            commands.append(QueuedCommand(arguments: ["SADD", members] + sorted, reply: nil))
            commands.append(QueuedCommand(arguments: claimNames(sorted)) { [self] reply in settleClaims(sorted, reply) })
        }
        return commands
    }

    /// The `EVAL` that claims or renews `names` for this node (``ChatClusterScripts/claimNames``).
    private func claimNames(_ names: [String]) -> [String] {
        ChatClusterScripts.eval(
            ChatClusterScripts.claimNames, keys: names.map(configuration.nameKey),
            arguments: [configuration.node, milliseconds(configuration.nameTimeToLive)])
    }

    /// The `EVAL` that deletes those of `names`' claims that `node` holds (``ChatClusterScripts/releaseNames``).
    private func releaseNames(_ names: [String], of node: String) -> [String] {
        ChatClusterScripts.eval(ChatClusterScripts.releaseNames, keys: names.map(configuration.nameKey), arguments: [node])
    }

    /// Tells the local room which of `names` (claimed with ``claimNames(_:)``) another
    /// node's member holds, if they are still this node's members' names.
    private func settleClaims(_ names: [String], _ reply: Result<RESPValue, RedisError>?) {
        guard case .success(let value)? = reply, let positions = value.elements?.compactMap(\.integer) else { return }
        let lost = positions.compactMap { $0 >= 1 && $0 <= names.count ? names[Int($0) - 1] : nil }
        let current = state.withLock { $0.localNames }
        let affected = lost.filter(current.contains)
        guard !affected.isEmpty else { return }
        logger.warning("cluster: names held by members of other nodes: \(affected.joined(separator: ", "))")
        deliver(affected.map(ChatClusterDelivery.nameLost))
    }

    /// Sends the queue's commands, in order, in batches, until the link breaks; when the
    /// node stops, sends what is left, unregisters the node and returns.
    private func publish(over commands: RedisConnection, bell: AsyncStream<Void>) async {
        var bells = bell.makeAsyncIterator()
        while true {
            let (batch, stopping) = state.withLock { state in
                defer { state.queue.removeAll(keepingCapacity: true) }
                return (Array(state.queue), state.stopping)
            }
            if batch.isEmpty {
                if stopping {
                    await unregister(commands)
                    return
                }
                guard await bells.next() != nil else { return }
                continue
            }
            do {
                let results = try await commands.pipeline(batch.map(\.arguments))
                for (command, result) in zip(batch, results) {
                    if case .failure(let error) = result { logger.warning("cluster: \(command.arguments[0]): \(error)") }
                    command.reply?(result)
                }
            } catch {
                for command in batch { command.reply?(nil) }
                return
            }
        }
    }

    /// Removes this node from the room's keys (its members have left).
    private func unregister(_ commands: RedisConnection) async {
        let node = configuration.node
        let names = state.withLock { $0.localNames }
        var removals = [
            ["SREM", configuration.nodesKey, node], ["DEL", configuration.heartbeatKey(node), configuration.membersKey(node)],
        ]
        if !names.isEmpty { removals.append(releaseNames(names.sorted(), of: node)) }
        _ = try? await commands.pipeline(removals, deadline: .now + .seconds(2))
    }

    /// At once, then every third of the node's time to live: renews the heartbeat and
    /// (after the first time) this node's members and name claims, re-reads the other
    /// nodes' members, and removes the nodes found dead. A Redis that does not answer in
    /// time breaks the link.
    private func beat(_ commands: RedisConnection) async {
        let interval = configuration.nodeTimeToLive / 3
        // The session's registration has just claimed the names.
        var claimsNames = false
        while !Task.isCancelled {
            let node = configuration.node
            let names = claimsNames ? state.withLock { $0.localNames }.sorted() : []
            claimsNames = true
            // The members are added again too: a node too slow to beat in time may have
            // been removed by another meanwhile.
            var renewals = [
                ["SET", configuration.heartbeatKey(node), "1", "PX", milliseconds(configuration.nodeTimeToLive)],
                ["SADD", configuration.nodesKey, node],
            ]
            if !names.isEmpty { renewals += [["SADD", configuration.membersKey(node)] + names, claimNames(names)] }
            renewals.append(["SMEMBERS", configuration.nodesKey])
            guard let replies = await request(batch: renewals, timeout: interval * 2),
                case .success(let nodesReply)? = replies.last, let nodes = nodesReply.elements?.compactMap(\.text)
            else {
                logger.warning("cluster: Redis did not answer the heartbeat in time")
                commands.close()
                return
            }
            if !names.isEmpty { settleClaims(names, replies[replies.count - 2]) }
            await refreshMembers(of: nodes.filter { $0 != node }, timeout: interval * 2)
            guard (try? await Task.sleep(for: interval)) != nil else { return }
        }
    }

    /// Re-reads the members of `nodes`, forgets those of nodes without a heartbeat, and
    /// removes such nodes from the room, publishing their members' `left` notices.
    private func refreshMembers(of nodes: [String], timeout: Duration) async {
        var queries: [[String]] = []
        for other in nodes {
            queries.append(["EXISTS", configuration.heartbeatKey(other)])
            queries.append(["SMEMBERS", configuration.membersKey(other)])
        }
        guard !queries.isEmpty, let replies = await request(batch: queries, timeout: timeout) else {
            if nodes.isEmpty { state.withLock { $0.remoteMembers = [:] } }
            return
        }
        var live: [String: [String]] = [:]
        var dead: [(String, [String])] = []
        for (index, other) in nodes.enumerated() {
            guard case .success(let exists)? = replies[2 * index], case .success(let members)? = replies[2 * index + 1] else {
                continue
            }
            let names = members.elements?.compactMap(\.text) ?? []
            if exists.integer == 1 { live[other] = names } else { dead.append((other, names)) }
        }
        state.withLock { $0.remoteMembers = live }
        for (deadNode, names) in dead {
            guard case .success(let removed)? = await request(["SREM", configuration.nodesKey, deadNode]),
                removed.integer == 1
            else { continue }
            logger.warning("cluster: node \(deadNode) is dead; its \(names.count) members leave")
            var commands: [[String]] = []
            for (offset, name) in names.sorted().enumerated() {
                let message = ChatClusterMessage(node: deadNode, sequence: UInt64(offset), event: .left(name: name))
                commands.append(["PUBLISH", configuration.channel, String(decoding: message.payload, as: UTF8.self)])
            }
            commands.append(["DEL", configuration.membersKey(deadNode)])
            if !names.isEmpty { commands.append(releaseNames(names.sorted(), of: deadNode)) }
            _ = await request(batch: commands, timeout: timeout)
        }
    }

    // MARK: Receiving

    /// Delivers one event another node published.
    private func receive(_ published: RedisPubSubMessage) {
        guard let message = ChatClusterMessage(payload: published.payload) else {
            logger.warning("cluster: ignored a message on \(published.channel) that is not a chat event")
            return
        }
        guard message.node != configuration.node else { return }
        let deliveries = state.withLock { state -> [ChatClusterDelivery] in
            if let last = state.lastSequences[message.node], message.sequence > last + 1 {
                logger.warning("cluster: \(message.sequence - last - 1) events from node \(message.node) were lost")
            }
            state.lastSequences[message.node] = message.sequence
            switch message.event {
            case .joined(let name):
                if state.remoteMembers[message.node, default: []].contains(name) == false {
                    state.remoteMembers[message.node, default: []].append(name)
                }
                return [.everyone("* \(name) joined")]
            case .left(let name):
                state.remoteMembers[message.node]?.removeAll { $0 == name }
                return [.everyone("* \(name) left")]
            case .renamed(let old, let new):
                state.remoteMembers[message.node, default: []].removeAll { $0 == old }
                state.remoteMembers[message.node, default: []].append(new)
                return [.everyone("* \(old) is now \(new)")]
            case .line(let name, let text):
                return [.everyone("\(name): \(text)")]
            case .privateLine(let from, let to, let text):
                return [.member(named: to, line: "\(from) (private): \(text)")]
            }
        }
        deliver(deliveries)
    }

    private func deliver(_ deliveries: [ChatClusterDelivery]) {
        guard let handler = state.withLock({ $0.deliver }) else { return }
        for delivery in deliveries { handler(delivery) }
    }

    // MARK: The queue

    /// Queues `event`'s publication after the commands `changes` returns (run under the
    /// lock, so local state and queue order agree). Nothing is queued while the link is down.
    private func enqueue(event: ChatClusterEvent, _ changes: (inout State) -> [[String]]) {
        let ring = state.withLock { state -> AsyncStream<Void>.Continuation? in
            var commands = changes(&state)
            guard state.link != nil else { return nil }
            let message = ChatClusterMessage(node: configuration.node, sequence: state.sequence, event: event)
            state.sequence += 1
            commands.append(["PUBLISH", configuration.channel, String(decoding: message.payload, as: UTF8.self)])
            guard state.queue.count + commands.count <= configuration.maximumQueuedCommands else {
                state.droppedCommands += commands.count
                if state.droppedCommands.nonzeroBitCount == 1 {
                    logger.warning("cluster: Redis is slow: \(state.droppedCommands) commands dropped so far")
                }
                return nil
            }
            state.queue.append(contentsOf: commands.map { QueuedCommand(arguments: $0, reply: nil) })
            return state.ring
        }
        ring?.yield()
    }

    /// Queues one command and waits for its reply, at most a second.
    private func request(_ arguments: [String]) async -> Result<RESPValue, RedisError>? {
        await request(batch: [arguments], timeout: .seconds(1))?.first ?? nil
    }

    /// Queues `commands` together and waits for their replies, at most `timeout`; `nil`
    /// when the link is down or the replies do not come in time.
    private func request(batch commands: [[String]], timeout: Duration) async -> [Result<RESPValue, RedisError>?]? {
        let waiter = ReplyWaiter(count: commands.count)
        let ring = state.withLock { state -> AsyncStream<Void>.Continuation? in
            guard state.link != nil else { return nil }
            for (index, arguments) in commands.enumerated() {
                state.queue.append(QueuedCommand(arguments: arguments) { waiter.set(index, $0) })
            }
            return state.ring
        }
        guard let ring else { return nil }
        ring.yield()
        return await waiter.wait(timeout: timeout)
    }

    private func milliseconds(_ duration: Duration) -> String {
        String(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// The replies to a batch of queued commands, awaited with a timeout.
private final class ReplyWaiter: Sendable {
    private struct State {
        var replies: [Result<RESPValue, RedisError>??]
        var continuation: CheckedContinuation<[Result<RESPValue, RedisError>?]?, Never>?
        var done = false
    }

    private let state: LockedValue<State>

    init(count: Int) {
        state = LockedValue(State(replies: Array(repeating: nil, count: count)))
    }

    /// Records the reply to command `index` (`nil`: never sent).
    func set(_ index: Int, _ reply: Result<RESPValue, RedisError>?) {
        let finished = state.withLock {
            state -> (CheckedContinuation<[Result<RESPValue, RedisError>?]?, Never>, [Result<RESPValue, RedisError>?])? in
            state.replies[index] = .some(reply)
            guard !state.done, state.replies.allSatisfy({ $0 != nil }), let continuation = state.continuation else { return nil }
            state.done = true
            state.continuation = nil
            return (continuation, state.replies.map { $0 ?? nil })
        }
        if let (continuation, replies) = finished { continuation.resume(returning: replies) }
    }

    /// Waits for every reply, or `timeout`.
    func wait(timeout: Duration) async -> [Result<RESPValue, RedisError>?]? {
        let timer = Task { [self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            let continuation = state.withLock { state in
                state.done = true
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(returning: nil)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [Result<RESPValue, RedisError>?]?? in
                if state.done { return .some(nil) }
                if state.replies.allSatisfy({ $0 != nil }) {
                    state.done = true
                    return .some(state.replies.map { $0 ?? nil })
                }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
