import SocketsReactor
import SocketsSystem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A typed socket option: its level, its name and how its value is stored.
///
/// ```swift
/// try server.setOption(.reuseAddress, true)        // setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
/// let idle = try conn.option(.keepAliveIdle)      // getsockopt(IPPROTO_TCP, TCP_KEEPIDLE)
/// ```
/// For an option without a typed constant use ``Socket/setOption(level:name:bytes:)``.
public struct SocketOption<Value: Sendable>: Sendable {
    /// The protocol level (`SOL_SOCKET`, `IPPROTO_TCP`, …).
    public let level: Int32
    /// The option name (`SO_REUSEADDR`, …).
    public let name: Int32
    package let encode: @Sendable (Value) -> [UInt8]
    package let decode: @Sendable ([UInt8]) -> Value

    /// Creates an option with its own value encoding.
    public init(
        level: Int32, name: Int32,
        encode: @escaping @Sendable (Value) -> [UInt8], decode: @escaping @Sendable ([UInt8]) -> Value
    ) {
        self.level = level
        self.name = name
        self.encode = encode
        self.decode = decode
    }
}

extension SocketOption where Value == Bool {
    /// An on/off option stored as a C `int`.
    public static func flag(level: Int32, name: Int32) -> Self {
        Self(level: level, name: name, encode: { encodeInt32($0 ? 1 : 0) }, decode: { decodeInt32($0) != 0 })
    }

    /// Allow binding an address in TIME_WAIT (`SO_REUSEADDR`); servers want it.
    public static var reuseAddress: Self { flag(level: SOL_SOCKET, name: SO_REUSEADDR) }
    /// Let several sockets bind the same port; the kernel balances between them (`SO_REUSEPORT`).
    public static var reusePort: Self { flag(level: SOL_SOCKET, name: SO_REUSEPORT) }
    /// Send keepalive probes on an idle connection (`SO_KEEPALIVE`); see the timers below.
    public static var keepAlive: Self { flag(level: SOL_SOCKET, name: SO_KEEPALIVE) }
    /// Allow sending to broadcast addresses (`SO_BROADCAST`).
    public static var broadcast: Self { flag(level: SOL_SOCKET, name: SO_BROADCAST) }
    /// Whether the socket is listening (`SO_ACCEPTCONN`, read only).
    public static var acceptsConnections: Self { flag(level: SOL_SOCKET, name: SO_ACCEPTCONN) }
    /// Send small segments at once instead of coalescing them (`TCP_NODELAY`, disables Nagle).
    public static var noDelay: Self { flag(level: Int32(IPPROTO_TCP), name: TCP_NODELAY) }
    /// An IPv6 socket accepts IPv6 only, not IPv4-mapped traffic (`IPV6_V6ONLY`).
    public static var ipv6Only: Self { flag(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY) }
    /// Deliver our own IPv4 multicast datagrams back to us (`IP_MULTICAST_LOOP`).
    public static var multicastLoop: Self { flag(level: Int32(IPPROTO_IP), name: IP_MULTICAST_LOOP) }
    /// Deliver our own IPv6 multicast datagrams back to us (`IPV6_MULTICAST_LOOP`).
    public static var multicastLoopIPv6: Self { flag(level: Int32(IPPROTO_IPV6), name: IPV6_MULTICAST_LOOP) }
}

extension SocketOption where Value == Int {
    /// A numeric option stored as a C `int`.
    public static func integer(level: Int32, name: Int32) -> Self {
        Self(level: level, name: name, encode: { encodeInt32(Int32(clamping: $0)) }, decode: { Int(decodeInt32($0)) })
    }

    /// Unanswered keepalive probes before the connection is dropped (`TCP_KEEPCNT`).
    public static var keepAliveCount: Self { integer(level: Int32(IPPROTO_TCP), name: TCP_KEEPCNT) }
    /// The receive buffer size in bytes (`SO_RCVBUF`; Linux doubles the value set and reports that).
    public static var receiveBufferSize: Self { integer(level: SOL_SOCKET, name: SO_RCVBUF) }
    /// The send buffer size in bytes (`SO_SNDBUF`; Linux doubles the value set and reports that).
    public static var sendBufferSize: Self { integer(level: SOL_SOCKET, name: SO_SNDBUF) }
    /// The time-to-live of outgoing IPv4 packets (`IP_TTL`).
    public static var timeToLive: Self { integer(level: Int32(IPPROTO_IP), name: IP_TTL) }
    /// The time-to-live of outgoing IPv4 multicast datagrams (`IP_MULTICAST_TTL`; 1 = this network).
    public static var multicastTimeToLive: Self { integer(level: Int32(IPPROTO_IP), name: IP_MULTICAST_TTL) }
    /// The hop limit of outgoing IPv6 multicast datagrams (`IPV6_MULTICAST_HOPS`).
    public static var multicastHops: Self { integer(level: Int32(IPPROTO_IPV6), name: IPV6_MULTICAST_HOPS) }
    /// The interface index for outgoing IPv6 multicast (`IPV6_MULTICAST_IF`; 0 = default).
    public static var multicastInterfaceIPv6: Self { integer(level: Int32(IPPROTO_IPV6), name: IPV6_MULTICAST_IF) }
}

extension SocketOption where Value == Duration {
    /// A duration stored as whole seconds in a C `int` (the keepalive timers).
    public static func seconds(level: Int32, name: Int32) -> Self {
        Self(
            level: level, name: name,
            encode: { encodeInt32(Int32(clamping: $0.components.seconds)) },
            decode: { .seconds(Int(decodeInt32($0))) })
    }

    /// Idle time before the first keepalive probe (`TCP_KEEPIDLE`; Linux default 2 hours).
    public static var keepAliveIdle: Self { seconds(level: Int32(IPPROTO_TCP), name: TCP_KEEPIDLE) }
    /// Time between keepalive probes (`TCP_KEEPINTVL`; Linux default 75 s).
    public static var keepAliveInterval: Self { seconds(level: Int32(IPPROTO_TCP), name: TCP_KEEPINTVL) }
}

extension SocketOption where Value == Duration? {
    /// What close does with unsent data (`SO_LINGER`): nil = return at once and send in the
    /// background (default); a duration = wait up to that long, in whole seconds rounded up;
    /// `.zero` = discard and reset.
    public static var linger: Self {
        Self(
            level: SOL_SOCKET, name: SO_LINGER,
            encode: { value in
                var setting = Glibc.linger()
                setting.l_onoff = value == nil ? 0 : 1
                // Rounded up: truncating 0.5 s to 0 would turn a graceful close into a reset.
                let (seconds, attoseconds) = value?.components ?? (0, 0)
                setting.l_linger = Int32(clamping: attoseconds > 0 ? seconds + 1 : seconds)
                return withUnsafeBytes(of: setting) { Array($0) }
            },
            decode: { bytes in
                guard bytes.count >= MemoryLayout<Glibc.linger>.size else { return nil }
                let setting = bytes.withUnsafeBytes { $0.loadUnaligned(as: Glibc.linger.self) }
                return setting.l_onoff == 0 ? nil : .seconds(Int(setting.l_linger))
            })
    }
}

extension SocketOption where Value == Errno? {
    /// The pending error, cleared by reading it (`SO_ERROR`, read only).
    public static var error: Self {
        Self(
            level: SOL_SOCKET, name: SO_ERROR,
            encode: { encodeInt32($0?.rawValue ?? 0) },
            decode: {
                let value = decodeInt32($0)
                return value == 0 ? nil : Errno(rawValue: value)
            })
    }
}

extension SocketOption where Value == SocketType {
    /// The socket's type (`SO_TYPE`, read only).
    public static var type: Self {
        Self(
            level: SOL_SOCKET, name: SO_TYPE,
            encode: { encodeInt32($0.rawValue) }, decode: { SocketType(rawValue: decodeInt32($0)) })
    }
}

extension SocketOption where Value == IPv4Address {
    /// The local interface address for outgoing IPv4 multicast (`IP_MULTICAST_IF`).
    public static var multicastInterface: Self {
        Self(
            level: Int32(IPPROTO_IP), name: IP_MULTICAST_IF,
            encode: { withUnsafeBytes(of: $0.inAddr) { Array($0) } },
            decode: { bytes in
                guard bytes.count >= 4 else { return .any }
                return IPv4Address(bytes[0], bytes[1], bytes[2], bytes[3])
            })
    }
}

package func encodeInt32(_ value: Int32) -> [UInt8] {
    withUnsafeBytes(of: value) { Array($0) }
}

package func decodeInt32(_ bytes: [UInt8]) -> Int32 {
    switch bytes.count {
    case 4...: return bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
    case 1: return Int32(bytes[0])
    default: return 0
    }
}
