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
    @Option(
        help: "Join the chat room of the other nodes on this Redis: redis://[:PASSWORD@]HOST:PORT[/DB], or rediss://… over TLS."
    )
    var cluster: String?

    @Option(help: "The CA certificates (PEM) a rediss:// --cluster server is checked against (default: the system's).")
    var clusterCA: String?

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
        if clusterCA != nil { return "--cluster-ca" }
        if room != "lobby" { return "--room" }
        return clusterNodeTTL != 10 ? "--cluster-node-ttl" : nil
    }

    func validate() throws {
        if cluster != nil {
            let url = try redisURL()
            if url.usesTLS {
                do {
                    _ = try RedisConnection.makeTLSContext(for: url)
                } catch {
                    throw ValidationError("--cluster-ca: \(error)")
                }
            } else if clusterCA != nil {
                throw ValidationError("--cluster-ca is for a rediss:// --cluster")
            }
        }
        guard clusterNodeTTL >= 0.3 else { throw ValidationError("--cluster-node-ttl must be at least 0.3") }
        guard !room.isEmpty, node?.isEmpty != true else { throw ValidationError("--room and --node must not be empty") }
    }

    /// The `--cluster` URL, with the `--cluster-ca` file.
    private func redisURL() throws -> RedisURL {
        do {
            var url = try RedisURL(cluster ?? "")
            if let clusterCA { url.certificateAuthorityFile = clusterCA }
            return url
        } catch {
            throw ValidationError("--cluster: \(error)")
        }
    }

    /// The bridge to the other nodes, if `--cluster` was given.
    func makeCluster(logger: Logger) throws -> ChatCluster? {
        guard cluster != nil else { return nil }
        let node = try self.node ?? "\(Resolver.hostName())-\(getpid())"
        let configuration = ChatClusterConfiguration(
            url: try redisURL(), room: room, node: node,
            nodeTimeToLive: .milliseconds(Int64(clusterNodeTTL * 1000)))
        return ChatCluster(configuration: configuration, logger: logger)
    }
}
