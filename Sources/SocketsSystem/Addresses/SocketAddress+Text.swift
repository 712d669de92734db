#if canImport(Glibc)
    import Glibc
#endif

extension SocketAddress: CustomStringConvertible, LosslessStringConvertible {
    /// Parses a numeric address in the SPEC §2 syntax: `1.2.3.4:80`, `[::1]:80`,
    /// `[fe80::1%eth0]:80`, `unix:/path`, `unix:@abstract`. Nil for anything else,
    /// including host names (use ``Resolver/resolve(_:type:family:passive:)`` for those).
    public init?(_ text: String) {
        guard let endpoint = try? Endpoint(parsing: text) else { return nil }
        switch endpoint {
        case .unix(let path): self = .unix(path: path)
        case .unixAbstract(let name): self = .unixAbstract(name: name)
        case .host(let host, let port):
            if let v4 = IPv4Address(host) {
                self = .ipv4(v4, port: port)
            } else if let (v6, scope) = Self.parseIPv6(host) {
                self = .ipv6(v6, port: port, scopeID: scope)
            } else {
                return nil
            }
        }
    }

    /// The SPEC §2 text: `127.0.0.1:80`, `[::1]:80`, `[fe80::1%eth0]:80`, `unix:/tmp/s.sock`, `unix:@name`;
    /// `unix:(unnamed)` for a Unix socket without a name (most clients' side of a connection).
    public var description: String {
        switch self {
        case .ipv4(let host, let port):
            return "\(host):\(port)"
        case .ipv6(let host, let port, let scopeID, _):
            guard scopeID != 0 else { return "[\(host)]:\(port)" }
            return "[\(host)%\(Self.interfaceName(scopeID))]:\(port)"
        case .unix(let path):
            return path.isEmpty ? "unix:(unnamed)" : "unix:\(path)"
        case .unixAbstract(let name):
            return "unix:@" + String(decoding: name, as: UTF8.self)
        }
    }

    /// The host part alone: `127.0.0.1`, `::1`, or the Unix path (Python's `addr[0]`).
    public var host: String {
        switch self {
        case .ipv4(let host, _): return host.description
        case .ipv6(let host, _, let scopeID, _):
            return scopeID == 0 ? host.description : "\(host)%\(Self.interfaceName(scopeID))"
        case .unix(let path): return path
        case .unixAbstract(let name): return "@" + String(decoding: name, as: UTF8.self)
        }
    }

    /// Parses `ADDR` or `ADDR%ZONE`, where the zone is an interface name or index.
    package static func parseIPv6(_ text: String) -> (IPv6Address, UInt32)? {
        let parts = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPv6Address(String(parts[0])) else { return nil }
        guard parts.count == 2 else { return (address, 0) }
        let zone = String(parts[1])
        if let index = UInt32(zone) { return (address, index) }
        let index = if_nametoindex(zone)
        return index == 0 ? nil : (address, index)
    }

    private static func interfaceName(_ index: UInt32) -> String {
        var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(index, &name) != nil else { return String(index) }
        return String(decoding: name.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An address as a person writes it (SPEC §2), before name resolution.
enum Endpoint: Equatable {
    /// A host name or IP literal (IPv6 without brackets, maybe with `%zone`) and a port.
    case host(String, port: UInt16)
    case unix(String)
    case unixAbstract([UInt8])

    /// Splits `HOST:PORT`, `[V6]:PORT`, `unix:PATH`, `unix:@NAME`.
    ///
    /// - Parameter serviceProtocol: Also take a service name as the port (`http`, looked
    ///   up for this protocol, `"tcp"` or `"udp"`); nil: numbers only.
    package init(parsing text: String, serviceProtocol: String? = nil) throws(SocketError) {
        func invalid(_ why: String) -> SocketError {
            SocketError(.invalidArgument, operation: "parse address", detail: "'\(text)': \(why)")
        }
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw invalid("empty unix socket path") }
            if path.hasPrefix("@") {
                self = .unixAbstract(Array(path.utf8.dropFirst()))
            } else {
                self = .unix(path)
            }
            return
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("missing ']'") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw invalid("expected ':PORT' after ']'") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw invalid("expected HOST:PORT") }
            host = text[..<colon]
            guard !host.contains(":") else { throw invalid("IPv6 addresses need brackets: [ADDR]:PORT") }
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw invalid("empty host") }
        if let port = UInt16(portText) {
            self = .host(String(host), port: port)
        } else if let serviceProtocol, !portText.isEmpty, !portText.allSatisfy(\.isNumber) {
            do {
                self = .host(String(host), port: try Resolver.port(ofService: String(portText), protocol: serviceProtocol))
            } catch {
                throw invalid("'\(portText)' is neither a port number (0 to 65535) nor a known \(serviceProtocol) service")
            }
        } else {
            throw invalid("port must be a number from 0 to 65535")
        }
    }
}
