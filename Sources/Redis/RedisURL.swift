/// Where a Redis server is: `redis://[[USER]:PASSWORD@]HOST:PORT[/DB]`, or `rediss://…`
/// for Redis over TLS, as `redis-py`'s `Redis.from_url` takes it. The port defaults to
/// 6379, the database to 0. A `rediss://` URL may name the CA certificates that the
/// server's certificate must lead to with redis-py's query parameter
/// `?ssl_ca_certs=PATH` (PEM); without it the system's trust store is used.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    /// The address for `Socket.connect(to:)`: `HOST:PORT` or `[V6]:PORT`.
    public var address: String
    /// The host, without brackets: the name (or IP address) the server's TLS certificate
    /// is checked against.
    public var host: String
    /// Whether the connection is TLS (`rediss://`).
    public var usesTLS: Bool
    /// The PEM file of the CA certificates a `rediss://` server is checked against; `nil`:
    /// the system's trust store.
    public var certificateAuthorityFile: String?
    /// The user for `AUTH`, if any (Redis 6 ACLs).
    public var user: String?
    /// The password for `AUTH`, if any.
    public var password: String?
    /// The database number for `SELECT`.
    public var database: Int

    /// Parses a URL.
    ///
    /// - Parameter text: `redis://HOST:PORT`, `redis://HOST:PORT/2`, `redis://:secret@HOST:PORT`,
    ///   `rediss://HOST:PORT?ssl_ca_certs=/etc/redis/ca.pem`.
    /// - Throws: ``RedisError/invalidURL(_:)`` for another scheme, an empty host, a port
    ///   or database that is not a number, a query parameter other than `ssl_ca_certs`
    ///   (which only `rediss://` takes).
    public init(_ text: String) throws(RedisError) {
        let scheme = ["redis://", "rediss://"].first { text.hasPrefix($0) }
        guard let scheme else {
            throw .invalidURL("\(text): only redis:// and rediss://[[USER]:PASSWORD@]HOST:PORT[/DB] are supported")
        }
        usesTLS = scheme == "rediss://"
        var rest = Substring(text.dropFirst(scheme.count))
        if let question = rest.firstIndex(of: "?") {
            for parameter in rest[rest.index(after: question)...].split(separator: "&") {
                let (name, value) = (parameter.prefix { $0 != "=" }, parameter.drop { $0 != "=" }.dropFirst())
                guard usesTLS, name == "ssl_ca_certs", !value.isEmpty else {
                    throw .invalidURL("\(text): the only query parameter is ssl_ca_certs=PATH, for rediss://")
                }
                certificateAuthorityFile = String(value)
            }
            rest = rest[..<question]
        }
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
        let hostAndBrackets = colon.map { rest[..<$0] } ?? rest
        guard !hostAndBrackets.isEmpty else { throw .invalidURL("\(text): no host") }
        var port = "6379"
        if let colon {
            port = String(rest[rest.index(after: colon)...])
            guard let number = UInt16(port), number > 0 else { throw .invalidURL("\(text): port \(port) is not a number") }
        }
        address = "\(hostAndBrackets):\(port)"
        host =
            hostAndBrackets.hasPrefix("[") && hostAndBrackets.hasSuffix("]")
            ? String(hostAndBrackets.dropFirst().dropLast()) : String(hostAndBrackets)
    }

    /// The URL, without its password.
    public var description: String {
        let credentials = password == nil && user == nil ? "" : "\(user ?? ""):***@"
        let authority = certificateAuthorityFile.map { "?ssl_ca_certs=\($0)" } ?? ""
        return "\(usesTLS ? "rediss" : "redis")://\(credentials)\(address)/\(database)\(authority)"
    }
}
