import Foundation
import Framing
import Sockets
import TestSupport
import Testing

@testable import Redis

@Suite(.enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
struct RedisConnectionTests {
    @Test func redisConnection_SetsGetsCountsAndExpires() async throws {
        let server = try RedisServer()
        let redis = try await RedisConnection.connect(to: RedisURL(server.url))
        defer { redis.close() }
        #expect(try await redis.command(["SET", "greeting", "héllo"]) == .simpleString("OK"))
        #expect(try await redis.command(["GET", "greeting"]) == .bulkString("héllo"))
        #expect(try await redis.command(["GET", "missing"]) == .bulkString(nil))
        #expect(try await redis.command(["INCR", "counter"]) == .integer(1))
        #expect(try await redis.command(["INCRBY", "counter", "41"]) == .integer(42))
        #expect(try await redis.command(["GET", "counter"]).integer == 42)
        #expect(try await redis.command(["EXPIRE", "counter", "100"]) == .integer(1))
        let ttl = try #require(try await redis.command(["TTL", "counter"]).integer)
        #expect((99...100).contains(ttl))
        #expect(try await redis.command(["PEXPIRE", "greeting", "1"]) == .integer(1))
        #expect(await eventually { (try? await redis.command(["EXISTS", "greeting"])) == .integer(0) })
        let binary: [UInt8] = [0, 13, 10, 255, 36]
        #expect(
            try await redis.command(["SET", "bytes", String(decoding: binary, as: UTF8.self)]) == .simpleString("OK"))
        #expect(try await redis.command(["RPUSH", "list", "a", "b"]) == .integer(2))
        #expect(try await redis.command(["LRANGE", "list", "0", "-1"]) == .array([.bulkString("a"), .bulkString("b")]))
    }

    @Test func redisConnection_ReturnsEveryReplyInOrder_WhenCommandsArePipelined() async throws {
        let server = try RedisServer()
        let redis = try await RedisConnection.connect(to: RedisURL(server.url))
        defer { redis.close() }
        let replies = try await redis.pipeline((1...500).map { _ in ["INCR", "n"] })
        #expect(try replies.map { try $0.get() } == (1...500).map { RESPValue.integer(Int64($0)) })
        // Concurrent callers share the connection; each gets its own reply.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let reply = try await redis.command(["ECHO", "call \(index)"])
                    #expect(reply == .bulkString("call \(index)"))
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func redisConnection_ThrowsTheServersError_AndGoesOn() async throws {
        let server = try RedisServer()
        let redis = try await RedisConnection.connect(to: RedisURL(server.url))
        defer { redis.close() }
        let unknown = await outcome { () async throws(RedisError) in try await redis.command(["NOSUCH", "x"]) }
        guard case .failure(.server(let reply)) = unknown, reply.hasPrefix("ERR unknown command 'NOSUCH'") else {
            Issue.record("NOSUCH: \(unknown)")
            return
        }
        _ = try await redis.command(["SET", "text", "1"])
        let results = try await redis.pipeline([["LPUSH", "text", "a"], ["GET", "text"]])
        guard case .failure(.server(let message)) = results[0] else {
            Issue.record("LPUSH on a string: \(results[0])")
            return
        }
        #expect(message.hasPrefix("WRONGTYPE"))
        #expect(try results[1].get() == .bulkString("1"))
        #expect(try await redis.command(["PING"]) == .simpleString("PONG"))
    }

    @Test func redisConnection_AuthenticatesAndSelectsTheDatabase_FromTheURL() async throws {
        let server = try RedisServer(arguments: ["--requirepass", "s3cret"])
        let anonymous = try await RedisConnection.connect(to: RedisURL(server.url))
        defer { anonymous.close() }
        let refused = await outcome { () async throws(RedisError) in try await anonymous.command(["GET", "where"]) }
        guard case .failure(.server(let reply)) = refused, reply.hasPrefix("NOAUTH") else {
            Issue.record("GET without a password: \(refused)")
            return
        }
        await #expect(throws: RedisError.self) {
            try await RedisConnection.connect(to: RedisURL("redis://:wrong@127.0.0.1:\(server.port)"))
        }
        let second = try await RedisConnection.connect(to: RedisURL("redis://:s3cret@127.0.0.1:\(server.port)/2"))
        defer { second.close() }
        let first = try await RedisConnection.connect(to: RedisURL("redis://default:s3cret@127.0.0.1:\(server.port)"))
        defer { first.close() }
        _ = try await second.command(["SET", "where", "db2"])
        #expect(try await first.command(["GET", "where"]) == .bulkString(nil))
        #expect(try await second.command(["GET", "where"]) == .bulkString("db2"))
    }

    @Test func redisConnection_DeliversPublishedMessagesInOrder_ToChannelAndPatternSubscribers() async throws {
        let server = try RedisServer()
        let url = try RedisURL(server.url)
        let subscriber = try await RedisConnection.connect(to: url)
        defer { subscriber.close() }
        let publisher = try await RedisConnection.connect(to: url)
        defer { publisher.close() }
        try await subscriber.subscribe("room:a")
        try await subscriber.psubscribe("room:*")
        for index in 0..<100 {
            #expect(try await publisher.command(["PUBLISH", "room:a", "line \(index)"]) == .integer(2))
        }
        #expect(try await publisher.command(["PUBLISH", "room:b", "other"]) == .integer(1))
        var direct: [String] = []
        var matched: [String] = []
        for await message in subscriber.messages {
            let text = String(decoding: message.payload, as: UTF8.self)
            if message.pattern == nil {
                direct.append(text)
            } else {
                #expect(message.pattern == "room:*")
                matched.append("\(message.channel) \(text)")
            }
            if matched.last == "room:b other" { break }
        }
        #expect(direct == (0..<100).map { "line \($0)" })
        #expect(matched == (0..<100).map { "room:a line \($0)" } + ["room:b other"])
        #expect(subscriber.droppedMessages == 0)
    }

    @Test func redisConnection_FailsWaitingCommandsAndEndsMessages_WhenRedisIsKilled() async throws {
        let server = try RedisServer()
        let url = try RedisURL(server.url)
        let subscriber = try await RedisConnection.connect(to: url)
        let redis = try await RedisConnection.connect(to: url)
        try await subscriber.subscribe("room")
        async let blocked = outcome { () async throws(RedisError) in try await redis.command(["BLPOP", "never", "0"]) }
        #expect(await eventually { (try? await subscriber.command(["PING"])) != nil })
        server.kill()
        guard case .failure(.connectionClosed) = await blocked else {
            Issue.record("BLPOP after the server died: \(await blocked)")
            return
        }
        await redis.waitUntilClosed()
        var messages = 0
        for await _ in subscriber.messages { messages += 1 }
        #expect(messages == 0 && subscriber.isClosed)
        await #expect(throws: RedisError.self) { try await redis.command(["PING"]) }
    }

    @Test func redisConnection_ClosesAndThrows_WhenNoReplyComesByTheDeadline() async throws {
        let server = try RedisServer()
        let redis = try await RedisConnection.connect(to: RedisURL(server.url))
        await #expect(throws: RedisError.connectionClosed("no reply by the deadline")) {
            try await redis.command(["BLPOP", "never", "0"], deadline: .now + .milliseconds(200))
        }
        #expect(redis.isClosed)
    }
}

/// What a call ends with: its reply or its error.
func outcome(_ call: () async throws(RedisError) -> RESPValue) async -> Result<RESPValue, RedisError> {
    do {
        return .success(try await call())
    } catch {
        return .failure(error)
    }
}

@Suite(.enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
struct RedisConnectionTLSTests {
    /// A CA, and a TLS redis-server with a certificate it issued for 127.0.0.1.
    static func server(in directory: TemporaryDirectory) throws -> (RedisServer, authority: TLSCertificate) {
        let authority = try TLSCertificate.selfSigned(hosts: ["Test Redis CA"])
        let certificate = try authority.issue(hosts: ["127.0.0.1"])
        let files = try RedisServer.TLSFiles(
            certificatePEM: certificate.certificatePEM, keyPEM: certificate.privateKeyPEM,
            authorityPEM: authority.certificatePEM, in: directory)
        return (try RedisServer(tls: files), authority)
    }

    @Test func redisConnection_SpeaksTLS_WhenTheURLIsRedissWithItsCA() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (server, _) = try Self.server(in: directory)
        let url = try RedisURL("\(server.url)?ssl_ca_certs=\(directory.file("ca.crt"))")
        let subscriber = try await RedisConnection.connect(to: url, deadline: .now + .seconds(10))
        defer { subscriber.close() }
        let redis = try await RedisConnection.connect(to: url, deadline: .now + .seconds(10))
        defer { redis.close() }
        #expect(try await redis.command(["SET", "greeting", "héllo"]) == .simpleString("OK"))
        #expect(try await redis.command(["GET", "greeting"]) == .bulkString("héllo"))
        try await subscriber.subscribe("room")
        let replies = try await redis.pipeline((0..<300).map { ["PUBLISH", "room", "line \($0)"] })
        #expect(try replies.map { try $0.get() } == Array(repeating: .integer(1), count: 300))
        var lines: [String] = []
        for await message in subscriber.messages {
            lines.append(String(decoding: message.payload, as: UTF8.self))
            if lines.count == 300 { break }
        }
        #expect(lines == (0..<300).map { "line \($0)" })
    }

    @Test func redisConnection_RefusesTheServer_WhenItsCertificateIsNotFromTheGivenCA() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (server, _) = try Self.server(in: directory)
        let stranger = try TLSCertificate.selfSigned(hosts: ["Another CA"])
        try stranger.certificatePEM.write(toFile: directory.file("other.crt"), atomically: false, encoding: .utf8)
        let url = try RedisURL("\(server.url)?ssl_ca_certs=\(directory.file("other.crt"))")
        do {
            let connection = try await RedisConnection.connect(to: url, deadline: .now + .seconds(10))
            connection.close()
            Issue.record("connected to a server whose certificate the CA did not sign")
        } catch let error as TLSError {
            #expect(error.kind == .certificateVerifyFailed, "\(error)")
        }
        // Plain RESP to a TLS port is no Redis reply either: the server drops it.
        await #expect(throws: (any Error).self) {
            let plain = try await RedisConnection.connect(to: RedisURL("redis://127.0.0.1:\(server.port)"))
            defer { plain.close() }
            _ = try await plain.command(["PING"], deadline: .now + .seconds(10))
        }
    }
}
