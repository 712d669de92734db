#if canImport(Glibc)
    import Glibc
#endif

/// One result of a name lookup (an element of Python's `socket.getaddrinfo` list).
public struct AddressInfo: Hashable, Sendable, CustomStringConvertible {
    /// The family to create the socket with.
    public var family: SocketFamily
    /// The socket type this result is for.
    public var type: SocketType
    /// The protocol to create the socket with.
    public var `protocol`: SocketProtocol
    /// The canonical host name, on the first result when asked for with `canonicalName`.
    public var canonicalName: String?
    /// The address to bind or connect to.
    public var address: SocketAddress

    /// `inet tcp 127.0.0.1:80`, with the canonical name in parentheses when there is one.
    public var description: String {
        let kind = type == .stream ? "tcp" : type == .datagram ? "udp" : type.description
        return "\(family) \(kind) \(address)" + (canonicalName.map { " (\($0))" } ?? "")
    }
}

/// Name resolution: getaddrinfo, getnameinfo, gethostname.
public enum Resolver {
    /// Flags for ``addressInfo(host:port:family:type:protocol:flags:)`` (C: `AI_*`).
    public struct Flags: OptionSet, Hashable, Sendable {
        /// The `AI_*` bits.
        public var rawValue: Int32
        /// Creates flags from `AI_*` bits.
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// Addresses for binding: a nil host means "every interface" (`AI_PASSIVE`).
        public static let passive = Flags(rawValue: AI_PASSIVE)
        /// Report the canonical name (`AI_CANONNAME`).
        public static let canonicalName = Flags(rawValue: AI_CANONNAME)
        /// The host must be a numeric address; no DNS (`AI_NUMERICHOST`).
        public static let numericHost = Flags(rawValue: AI_NUMERICHOST)
        /// The port must be numeric (`AI_NUMERICSERV`).
        public static let numericService = Flags(rawValue: AI_NUMERICSERV)
        /// Only families configured on this host (`AI_ADDRCONFIG`).
        public static let addressConfigured = Flags(rawValue: AI_ADDRCONFIG)
        /// With `.inet6`: IPv4-mapped results when there is no IPv6 address (`AI_V4MAPPED`).
        public static let v4Mapped = Flags(rawValue: AI_V4MAPPED)
    }

    /// Every address `host` and `port` resolve to, in the resolver's order.
    ///
    /// - Parameters:
    ///   - host: A name or numeric address; nil for the local host (or every interface with `.passive`).
    ///   - port: A port number or service name (`"http"`); nil for port 0.
    ///   - family: Restrict to one family (`.unspecified` = all).
    ///   - type: Restrict to one socket type; nil = every type.
    ///   - protocol: Restrict to one protocol (`.default` = any).
    ///   - flags: `AI_*` flags, such as ``Flags/passive`` or ``Flags/numericHost``.
    /// - Throws: ``SocketError`` of kind `nameResolution` with the resolver's message.
    ///
    /// The corresponding C function is `getaddrinfo`; Python: `socket.getaddrinfo`.
    public static func addressInfo(
        host: String?, port: String? = nil, family: SocketFamily = .unspecified,
        type: SocketType? = nil, protocol: SocketProtocol = .default, flags: Flags = []
    ) throws(SocketError) -> [AddressInfo] {
        var hints = addrinfo()
        hints.ai_family = family.rawValue
        hints.ai_socktype = type?.rawValue ?? 0
        hints.ai_protocol = `protocol`.rawValue
        hints.ai_flags = flags.rawValue
        var list: UnsafeMutablePointer<addrinfo>?
        var status: Int32
        repeat {
            status = getaddrinfo(host, port, &hints, &list)
        } while status == EAI_SYSTEM && errno == EINTR
        guard status == 0 else {
            let target = [host, port].compactMap { $0 }.joined(separator: " port ")
            if status == EAI_SYSTEM {
                var error = SocketError("getaddrinfo", errno: .init(rawValue: errno))
                error.detail = "\(target): \(error.reason)"
                throw error
            }
            throw SocketError(
                .nameResolution, operation: "getaddrinfo",
                detail: "\(target): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var results: [AddressInfo] = []
        var node = list
        while let entry = node?.pointee {
            if let raw = entry.ai_addr, let address = SocketAddress(raw, length: entry.ai_addrlen) {
                results.append(
                    AddressInfo(
                        family: SocketFamily(rawValue: entry.ai_family),
                        type: SocketType(rawValue: entry.ai_socktype),
                        protocol: SocketProtocol(rawValue: entry.ai_protocol),
                        canonicalName: entry.ai_canonname.map { String(cString: $0) },
                        address: address))
            }
            node = entry.ai_next
        }
        return results
    }

    /// The host and service names of an address (reverse lookup).
    ///
    /// - Parameters:
    ///   - address: The address to look up.
    ///   - numeric: Skip DNS and return numeric host and port.
    /// - Throws: ``SocketError`` of kind `nameResolution`.
    ///
    /// The corresponding C function is `getnameinfo`; Python: `socket.getnameinfo`.
    public static func nameInfo(
        for address: SocketAddress, numeric: Bool = false
    ) throws(SocketError) -> (host: String, service: String) {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let flags = numeric ? NI_NUMERICHOST | NI_NUMERICSERV : 0
        let status = try address.withSockAddr { pointer, length throws(SocketError) in
            getnameinfo(pointer, length, &host, socklen_t(host.count), &service, socklen_t(service.count), flags)
        }
        guard status == 0 else {
            throw SocketError(
                .nameResolution, operation: "getnameinfo", address: address,
                detail: String(cString: gai_strerror(status)))
        }
        return (text(host), text(service))
    }

    /// The port number of a service name in `/etc/services` (`"http"` → 80).
    ///
    /// - Parameters:
    ///   - name: The service name, e.g. `"ssh"`.
    ///   - protocol: `"tcp"` or `"udp"`.
    /// - Throws: ``SocketError`` of kind `nameResolution` when the name is unknown.
    ///
    /// The corresponding C function is `getservbyname_r`; Python: `socket.getservbyname(name, proto)`.
    public static func port(ofService name: String, protocol: String = "tcp") throws(SocketError) -> UInt16 {
        var entry = servent()
        var found: UnsafeMutablePointer<servent>?
        var buffer = [CChar](repeating: 0, count: 4096)
        let status = getservbyname_r(name, `protocol`, &entry, &buffer, buffer.count, &found)
        guard status == 0, let found else {
            throw SocketError(
                .nameResolution, operation: "getservbyname", detail: "'\(name)': unknown \(`protocol`) service")
        }
        return UInt16(bigEndian: UInt16(truncatingIfNeeded: found.pointee.s_port))
    }

    /// This machine's host name.
    ///
    /// The corresponding C function is `gethostname`; Python: `socket.gethostname`.
    public static func hostName() throws(SocketError) -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else {
            throw SocketError("gethostname", errno: .init(rawValue: errno))
        }
        return text(name)
    }

    /// Resolves SPEC §2 text (`HOST:PORT`, `[V6]:PORT`, `unix:PATH`) to every matching address.
    ///
    /// The port may be a service name (`127.0.0.1:http`, from `/etc/services` for the
    /// protocol of `type`). Numeric addresses are returned without a lookup; with a
    /// `family`, only addresses of that family. Python: `socket.getaddrinfo(host, port)`
    /// with the host and port split out of one string.
    /// - Throws: ``SocketError`` (`invalidArgument` for bad syntax or an unknown service,
    ///   `nameResolution` for unknown names or no address of the family).
    public static func resolve(
        _ text: String, type: SocketType = .stream, family: SocketFamily = .unspecified, passive: Bool = false
    ) throws(SocketError) -> [SocketAddress] {
        switch try Endpoint(parsing: text, serviceProtocol: type == .datagram ? "udp" : "tcp") {
        case .unix(let path): return [.unix(path: path)]
        case .unixAbstract(let name): return [.unixAbstract(name: name)]
        case .host(let host, let port):
            if let numeric = SocketAddress(text) {
                guard family == .unspecified || numeric.family == family else {
                    throw SocketError(
                        .nameResolution, operation: "getaddrinfo", detail: "\(text): not an \(family) address")
                }
                return [numeric]
            }
            let infos = try addressInfo(
                host: host, port: String(port), family: family, type: type,
                flags: passive ? [.passive] : [])
            var seen = Set<SocketAddress>()
            return infos.map(\.address).filter { seen.insert($0).inserted }
        }
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
