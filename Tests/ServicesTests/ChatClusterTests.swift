import Logging
import Redis
import TestSupport
import Testing

@testable import Services

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
struct ChatClusterTests {
    @Test func chatCluster_DropsAndCountsEvents_WhenRedisStallsAndTheQueueIsFull() async throws {
        let redis = try RedisServer()
        let configuration = ChatClusterConfiguration(url: try RedisURL(redis.url), node: "n", maximumQueuedCommands: 20)
        let cluster = ChatCluster(configuration: configuration, logger: Logger(label: "test"))
        let running = Task { await cluster.run() }
        defer { running.cancel() }
        #expect(await eventually { cluster.isLinked })
        redis.process.send(SIGSTOP)
        defer { redis.process.send(SIGCONT) }
        let start = ContinuousClock.now
        for index in 0..<1000 { cluster.memberSaid("ada", "line \(index)") }
        // Never waits for Redis: at most one batch in flight and one queued were taken.
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(cluster.droppedCommands >= 1000 - 2 * configuration.maximumQueuedCommands)
    }

    @Test func chatCluster_StopsItsTask_WhenCancelled() async throws {
        let redis = try RedisServer()
        let cluster = ChatCluster(
            configuration: ChatClusterConfiguration(url: try RedisURL(redis.url), node: "n"), logger: Logger(label: "test"))
        let running = Task { await cluster.run() }
        #expect(await eventually { cluster.isLinked })
        running.cancel()
        await running.value
        #expect(!cluster.isLinked)
    }
}
