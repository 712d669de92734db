#if canImport(Glibc)
    import Glibc
#endif

/// A numeric socket address: what `bind`, `connect` and `sendto` take and what
/// `accept`, `recvfrom` and `getpeername` return.
///
/// Its text form is the SPEC §2 syntax: `127.0.0.1:80`, `[::1]:80`,
/// `[fe80::1%eth0]:80`, `unix:/tmp/s.sock`, and `unix:@name` for a Linux abstract name.
/// Python's address tuples `('127.0.0.1', 80)` and `('::1', 80, 0, 0)` map to
/// `.ipv4(.loopback, port: 80)` and `.ipv6(.loopback, port: 80)`.
public enum SocketAddress: Hashable, Sendable {
    /// An IPv4 address and port (C: `sockaddr_in`).
    case ipv4(IPv4Address, port: UInt16)
    /// An IPv6 address and port, with the scope id (interface index) that link-local
    /// addresses need and the flow label (C: `sockaddr_in6`).
    case ipv6(IPv6Address, port: UInt16, scopeID: UInt32 = 0, flowInfo: UInt32 = 0)
    /// A Unix-domain socket path; the empty path is an unnamed socket (C: `sockaddr_un`).
    case unix(path: String)
    /// A Linux abstract Unix-domain name: no file, gone when the socket closes.
    case unixAbstract(name: [UInt8])

    /// The family a socket needs to use this address.
    public var family: SocketFamily {
        switch self {
        case .ipv4: return .inet
        case .ipv6: return .inet6
        case .unix, .unixAbstract: return .unix
        }
    }

    /// The port of an IP address; nil for Unix-domain addresses.
    public var port: UInt16? {
        switch self {
        case .ipv4(_, let port), .ipv6(_, let port, _, _): return port
        case .unix, .unixAbstract: return nil
        }
    }

    /// The same address with another port (Unix-domain addresses are returned unchanged).
    public func withPort(_ port: UInt16) -> SocketAddress {
        switch self {
        case .ipv4(let host, _): return .ipv4(host, port: port)
        case .ipv6(let host, _, let scope, let flow): return .ipv6(host, port: port, scopeID: scope, flowInfo: flow)
        case .unix, .unixAbstract: return self
        }
    }

    /// The maximum length of a Unix-domain socket path in bytes (`sun_path` less its NUL).
    public static let maximumUnixPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Calls `body` with the C representation of the address.
    ///
    /// - Throws: ``SocketError`` (`invalidArgument`) when a Unix path does not fit `sun_path`.
    package func withSockAddr<R>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(SocketError) -> R
    ) throws(SocketError) -> R {
        switch self {
        case .ipv4(let host, let port):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr = host.inAddr
            return try withUnsafePointer(to: &address) { pointer throws(SocketError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { rebound throws(SocketError) in
                    try body(rebound, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6(let host, let port, let scopeID, let flowInfo):
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = host.in6Addr
            address.sin6_scope_id = scopeID
            address.sin6_flowinfo = flowInfo.bigEndian
            return try withUnsafePointer(to: &address) { pointer throws(SocketError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { rebound throws(SocketError) in
                    try body(rebound, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        case .unix(let path):
            let bytes = Array(path.utf8)
            guard bytes.count <= Self.maximumUnixPathLength, !bytes.contains(0) else {
                throw SocketError(
                    .invalidArgument, operation: "sockaddr_un", address: self,
                    detail: "unix socket path must be at most \(Self.maximumUnixPathLength) bytes without NUL")
            }
            return try withUnixAddress(bytes, terminated: !bytes.isEmpty, body)
        case .unixAbstract(let name):
            guard name.count <= Self.maximumUnixPathLength else {
                throw SocketError(
                    .invalidArgument, operation: "sockaddr_un", address: self,
                    detail: "abstract name must be at most \(Self.maximumUnixPathLength) bytes")
            }
            return try withUnixAddress([0] + name, terminated: false, body)
        }
    }

    private func withUnixAddress<R>(
        _ path: [UInt8], terminated: Bool,
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(SocketError) -> R
    ) throws(SocketError) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let length = pathOffset + path.count + (terminated ? 1 : 0)
        return try withUnsafePointer(to: &address) { pointer throws(SocketError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { rebound throws(SocketError) in
                try body(rebound, socklen_t(length))
            }
        }
    }

    /// Decodes a C address of `length` bytes; nil for families this type does not represent.
    package init?(_ address: UnsafePointer<sockaddr>, length: socklen_t) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET where length >= MemoryLayout<sockaddr_in>.size:
            let v4 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self)
            self = .ipv4(IPv4Address(v4.sin_addr), port: UInt16(bigEndian: v4.sin_port))
        case AF_INET6 where length >= MemoryLayout<sockaddr_in6>.size:
            let v6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self)
            self = .ipv6(
                IPv6Address(v6.sin6_addr), port: UInt16(bigEndian: v6.sin6_port),
                scopeID: v6.sin6_scope_id, flowInfo: UInt32(bigEndian: v6.sin6_flowinfo))
        case AF_UNIX:
            let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
            let count = max(0, min(Int(length), MemoryLayout<sockaddr_un>.size) - pathOffset)
            let path = UnsafeRawBufferPointer(start: UnsafeRawPointer(address) + pathOffset, count: count)
            if let first = path.first, first == 0, count > 1 {
                self = .unixAbstract(name: Array(path.dropFirst()))
            } else {
                self = .unix(path: String(decoding: path.prefix(while: { $0 != 0 }), as: UTF8.self))
            }
        default:
            return nil
        }
    }

    /// Calls `body` with zeroed storage for the kernel to fill, then decodes it.
    package static func receiving<R>(
        _ body: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) throws(SocketError) -> R
    ) throws(SocketError) -> (R, SocketAddress?) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return try withUnsafeMutablePointer(to: &storage) { pointer throws(SocketError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(SocketError) in
                let result = try body(address, &length)
                return (result, SocketAddress(address, length: length))
            }
        }
    }
}
