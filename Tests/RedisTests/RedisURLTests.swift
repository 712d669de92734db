import Testing

@testable import Redis

@Suite struct RedisURLTests {
    @Test func redisURL_ParsesHostPortDatabaseAndCredentials() throws {
        let plain = try RedisURL("redis://127.0.0.1:6380")
        #expect(plain.address == "127.0.0.1:6380" && plain.database == 0 && plain.password == nil && plain.user == nil)
        let full = try RedisURL("redis://alice:s3cret@localhost:7000/2")
        #expect(full.address == "localhost:7000" && full.database == 2 && full.user == "alice" && full.password == "s3cret")
        let passwordOnly = try RedisURL("redis://:pw@[::1]/3")
        #expect(passwordOnly.address == "[::1]:6379" && passwordOnly.password == "pw" && passwordOnly.user == nil)
        #expect(passwordOnly.database == 3)
        #expect(full.description == "redis://alice:***@localhost:7000/2")
        #expect(!plain.usesTLS && plain.host == "127.0.0.1" && plain.certificateAuthorityFile == nil)
    }

    @Test func redisURL_ParsesRedissAndItsCAFile() throws {
        let tls = try RedisURL("rediss://:pw@[::1]:6380/1?ssl_ca_certs=/etc/ssl/redis-ca.pem")
        #expect(tls.usesTLS && tls.address == "[::1]:6380" && tls.host == "::1" && tls.database == 1)
        #expect(tls.certificateAuthorityFile == "/etc/ssl/redis-ca.pem" && tls.password == "pw")
        #expect(tls.description == "rediss://:***@[::1]:6380/1?ssl_ca_certs=/etc/ssl/redis-ca.pem")
        let system = try RedisURL("rediss://redis.example.com")
        #expect(system.usesTLS && system.address == "redis.example.com:6379" && system.certificateAuthorityFile == nil)
    }

    @Test(arguments: [
        "http://x:1", "redis://", "redis://host:port", "redis://host:1/db", "redis://host:0", "rediss://",
        "redis://host:1?ssl_ca_certs=/ca.pem", "rediss://host:1?ssl_ca_certs=", "rediss://host:1?timeout=1",
    ])
    func redisURL_Throws_ForURLsItCannotUse(text: String) {
        #expect(throws: RedisError.self) { try RedisURL(text) }
    }
}
