import Sockets
import TestSupport
import Testing

@testable import Redis

@Suite(.enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
struct RedisClientTests {
    @Test func redisClient_Reconnects_WhenRedisIsKilledAndRestarted() async throws {
        var server = try RedisServer()
        let port = server.port
        let client = RedisClient(
            url: try RedisURL(server.url), backoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(200)))
        #expect(try await client.command(["SET", "k", "before"]) == .simpleString("OK"))
        server.kill()
        await #expect(throws: (any Error).self) { try await client.command(["PING"]) }
        server = try RedisServer(port: port)
        #expect(await eventually { (try? await client.command(["PING"])) == .simpleString("PONG") })
        // A new server without persistence: the key is gone, the client works.
        #expect(try await client.command(["GET", "k"]) == .bulkString(nil))
        await client.close()
    }

    @Test func redisClient_WaitsOutTheBackoff_WhenRedisIsDown() async throws {
        let closed = try ClosedPort()
        defer { closed.close() }
        let client = RedisClient(
            url: try RedisURL("redis://127.0.0.1:\(closed.port)"),
            backoff: Backoff(initial: .milliseconds(100), maximum: .milliseconds(200)))
        let start = ContinuousClock.now
        for _ in 0..<5 {
            await #expect(throws: (any Error).self) { try await client.command(["PING"]) }
        }
        // Four waits between five attempts, each at least half its step: 50 + 100 + 100 + 100 ms.
        #expect(ContinuousClock.now - start >= .milliseconds(350))
    }
}
