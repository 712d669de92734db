/// Where a Redis server is: `redis://[[USER]:PASSWORD@]HOST:PORT[/DB]`, as `redis-py`'s
/// `Redis.from_url` takes it. The port defaults to 6379, the database to 0.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    /// The address for `Socket.connect(to:)`: `HOST:PORT` or `[V6]:PORT`.
    public var address: String
    /// The user for `AUTH`, if any (Redis 6 ACLs).
    public var user: String?
    /// The password for `AUTH`, if any.
    public var password: String?
    /// The database number for `SELECT`.
    public var database: Int

    /// Parses a URL.
    ///
    /// - Parameter text: `redis://HOST:PORT`, `redis://HOST:PORT/2`, `redis://:secret@HOST:PORT`.
    /// - Throws: ``RedisError/invalidURL(_:)`` for another scheme, an empty host, a port
    ///   or database that is not a number.
    public init(_ text: String) throws(RedisError) {
        guard text.hasPrefix("redis://") else {
            throw .invalidURL("\(text): only redis://[[USER]:PASSWORD@]HOST:PORT[/DB] is supported")
        }
        var rest = Substring(text.dropFirst("redis://".count))
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = credentials[..<colon].isEmpty ? nil : String(credentials[..<colon])
                password = String(credentials[credentials.index(after: colon)...])
            } else {
                password = String(credentials)
            }
        }
        database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let number = Int(path), number >= 0 else { throw .invalidURL("\(text): database \(path) is not a number") }
                database = number
            }
        }
        let hostEnd = rest.hasPrefix("[") ? rest.firstIndex(of: "]").map(rest.index(after:)) ?? rest.endIndex : rest.startIndex
        let colon = rest[hostEnd...].lastIndex(of: ":")
        let host = colon.map { rest[..<$0] } ?? rest
        guard !host.isEmpty else { throw .invalidURL("\(text): no host") }
        var port = "6379"
        if let colon {
            port = String(rest[rest.index(after: colon)...])
            guard let number = UInt16(port), number > 0 else { throw .invalidURL("\(text): port \(port) is not a number") }
        }
        address = "\(host):\(port)"
    }

    /// The URL, without its password.
    public var description: String {
        let credentials = password == nil && user == nil ? "" : "\(user ?? ""):***@"
        return "redis://\(credentials)\(address)/\(database)"
    }
}
