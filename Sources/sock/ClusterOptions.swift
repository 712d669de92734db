import ArgumentParser
import Logging
import Redis
import Services
import Sockets

#if canImport(Glibc)
    import Glibc
#endif

/// `--cluster`, `--room`, `--node` of `serve chat`: one room across several nodes through
/// a Redis server (SPEC §8).
struct ClusterOptions: ParsableArguments {
    @Option(help: "Join the chat room of the other nodes on this Redis: redis://[:PASSWORD@]HOST:PORT[/DB].")
    var cluster: String?

    @Option(help: "The cluster room's name.")
    var room = "lobby"

    @Option(help: "This node's name in the cluster room (default: HOSTNAME-PID).")
    var node: String?

    @Option(help: "Seconds after which a silent node's members leave the cluster room.")
    var clusterNodeTTL: Double = 10

    /// The name of the first option given without `--cluster`, if any.
    var firstGivenWithoutCluster: String? {
        guard cluster == nil else { return nil }
        if node != nil { return "--node" }
        if room != "lobby" { return "--room" }
        return clusterNodeTTL != 10 ? "--cluster-node-ttl" : nil
    }

    func validate() throws {
        if let cluster {
            do {
                _ = try RedisURL(cluster)
            } catch {
                throw ValidationError("--cluster: \(error)")
            }
        }
        guard clusterNodeTTL >= 0.3 else { throw ValidationError("--cluster-node-ttl must be at least 0.3") }
        guard !room.isEmpty, node?.isEmpty != true else { throw ValidationError("--room and --node must not be empty") }
    }

    /// The bridge to the other nodes, if `--cluster` was given.
    func makeCluster(logger: Logger) throws -> ChatCluster? {
        guard let cluster else { return nil }
        let node = try self.node ?? "\(Resolver.hostName())-\(getpid())"
        let configuration = ChatClusterConfiguration(
            url: try RedisURL(cluster), room: room, node: node,
            nodeTimeToLive: .milliseconds(Int64(clusterNodeTTL * 1000)))
        return ChatCluster(configuration: configuration, logger: logger)
    }
}
