#if canImport(Glibc)
    import Glibc
#endif

/// An address family (C: `AF_*`; Python: `socket.AF_INET`, …).
public struct SocketFamily: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The C constant.
    public var rawValue: Int32
    /// Creates a family from its C constant.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// IPv4 (`AF_INET`).
    public static let inet = SocketFamily(rawValue: AF_INET)
    /// IPv6 (`AF_INET6`).
    public static let inet6 = SocketFamily(rawValue: AF_INET6)
    /// Unix-domain, local to the host (`AF_UNIX`).
    public static let unix = SocketFamily(rawValue: AF_UNIX)
    /// Any family; a getaddrinfo hint (`AF_UNSPEC`).
    public static let unspecified = SocketFamily(rawValue: AF_UNSPEC)

    /// The lower-case C name without its prefix (`inet`, `stream`), or the number.
    public var description: String {
        switch self {
        case .inet: return "inet"
        case .inet6: return "inet6"
        case .unix: return "unix"
        case .unspecified: return "unspecified"
        default: return "family(\(rawValue))"
        }
    }
}

/// A socket type (C: `SOCK_*`; Python: `socket.SOCK_STREAM`, …).
public struct SocketType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The C constant.
    public var rawValue: Int32
    /// Creates a type from its C constant.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// A reliable byte stream: TCP, or a Unix stream (`SOCK_STREAM`).
    public static let stream = SocketType(rawValue: Int32(SOCK_STREAM.rawValue))
    /// Datagrams: UDP, or Unix datagrams (`SOCK_DGRAM`).
    public static let datagram = SocketType(rawValue: Int32(SOCK_DGRAM.rawValue))
    /// Reliable, ordered datagrams with boundaries (`SOCK_SEQPACKET`).
    public static let seqpacket = SocketType(rawValue: Int32(SOCK_SEQPACKET.rawValue))
    /// Raw network-layer packets; needs `CAP_NET_RAW` (`SOCK_RAW`).
    public static let raw = SocketType(rawValue: Int32(SOCK_RAW.rawValue))

    /// The lower-case C name without its prefix (`inet`, `stream`), or the number.
    public var description: String {
        switch self {
        case .stream: return "stream"
        case .datagram: return "datagram"
        case .seqpacket: return "seqpacket"
        case .raw: return "raw"
        default: return "type(\(rawValue))"
        }
    }
}

/// A protocol number (C: `IPPROTO_*`; Python: `socket.IPPROTO_TCP`, …). `0` lets the kernel choose.
public struct SocketProtocol: RawRepresentable, Hashable, Sendable {
    /// The C constant.
    public var rawValue: Int32
    /// Creates a protocol from its number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The default protocol for the family and type (`0`).
    public static let `default` = SocketProtocol(rawValue: 0)
    /// TCP (`IPPROTO_TCP`).
    public static let tcp = SocketProtocol(rawValue: Int32(IPPROTO_TCP))
    /// UDP (`IPPROTO_UDP`).
    public static let udp = SocketProtocol(rawValue: Int32(IPPROTO_UDP))
    /// ICMP, for raw IPv4 sockets (`IPPROTO_ICMP`).
    public static let icmp = SocketProtocol(rawValue: Int32(IPPROTO_ICMP))
    /// ICMPv6, for raw IPv6 sockets (`IPPROTO_ICMPV6`).
    public static let icmpv6 = SocketProtocol(rawValue: Int32(IPPROTO_ICMPV6))
}
