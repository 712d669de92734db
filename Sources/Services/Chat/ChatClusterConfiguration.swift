import Redis

/// The settings of a cluster chat room (SPEC §8): which Redis, which room, which node,
/// and how fast a dead node is noticed.
public struct ChatClusterConfiguration: Sendable {
    /// The Redis server all the room's nodes use.
    public var url: RedisURL
    /// The room's name: nodes with the same Redis and room form one room.
    public var room: String
    /// This node's name, unique in the room.
    public var node: String
    /// How long a node's heartbeat lasts in Redis: a node silent that long is dead, and
    /// its members leave. It beats every third of it.
    public var nodeTimeToLive: Duration
    /// How long a name claim lasts unless its node refreshes it.
    public var nameTimeToLive: Duration
    /// The most commands waiting to go to Redis; past it events are dropped (counted and
    /// logged), so a slow Redis never holds up the local room.
    public var maximumQueuedCommands: Int
    /// The delays between attempts to reach Redis again.
    public var backoff: Backoff

    /// Creates the settings.
    ///
    /// - Parameters:
    ///   - url: The Redis server.
    ///   - room: The room (default `lobby`).
    ///   - node: This node's name.
    ///   - nodeTimeToLive: A dead node's members leave within about this (default 10 s).
    ///   - nameTimeToLive: How long a name claim outlives its node (default 30 s).
    ///   - maximumQueuedCommands: The bound of the queue to Redis (default 10 000).
    ///   - backoff: Reconnection delays (default 100 ms doubling to 5 s).
    public init(
        url: RedisURL,
        room: String = "lobby",
        node: String,
        nodeTimeToLive: Duration = .seconds(10),
        nameTimeToLive: Duration = .seconds(30),
        maximumQueuedCommands: Int = 10_000,
        backoff: Backoff = Backoff()
    ) {
        self.url = url
        self.room = room
        self.node = node
        self.nodeTimeToLive = nodeTimeToLive
        self.nameTimeToLive = nameTimeToLive
        self.maximumQueuedCommands = maximumQueuedCommands
        self.backoff = backoff
    }

    /// The pub/sub channel of the room's events.
    var channel: String { "sock:chat:\(room)" }
    /// The set of the room's nodes.
    var nodesKey: String { "sock:chat:\(room):nodes" }
    /// The counter that numbers guests across the room.
    var guestsKey: String { "sock:chat:\(room):guests" }
    /// The heartbeat of `node`, which expires when the node stops beating.
    func heartbeatKey(_ node: String) -> String { "sock:chat:\(room):node:\(node)" }
    /// The set of `node`'s members' names.
    func membersKey(_ node: String) -> String { "sock:chat:\(room):members:\(node)" }
    /// The claim of `name`: the node whose member has it.
    func nameKey(_ name: String) -> String { "sock:chat:\(room):name:\(name)" }
}
