#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 address (C: `struct in_addr`).
public struct IPv4Address: Hashable, Sendable, CustomStringConvertible {
    /// The four bytes in network order, first octet first.
    public var octets: (UInt8, UInt8, UInt8, UInt8)

    /// Creates the address `a.b.c.d`.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        octets = (a, b, c, d)
    }

    /// Parses dotted-quad text such as `127.0.0.1`; nil if it is not one.
    ///
    /// The corresponding C function is `inet_pton`; Python: `socket.inet_aton`.
    public init?(_ text: String) {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        self.init(address)
    }

    /// `0.0.0.0`: every local interface (Python: `''` or `'0.0.0.0'`).
    public static let any = IPv4Address(0, 0, 0, 0)
    /// `127.0.0.1`.
    public static let loopback = IPv4Address(127, 0, 0, 1)
    /// `255.255.255.255`, the limited broadcast address.
    public static let broadcast = IPv4Address(255, 255, 255, 255)

    /// Whether the address is in `224.0.0.0/4`.
    public var isMulticast: Bool { octets.0 & 0xF0 == 0xE0 }
    /// Whether the address is in `127.0.0.0/8`.
    public var isLoopback: Bool { octets.0 == 127 }

    /// The dotted-quad text (C: `inet_ntop`; Python: `socket.inet_ntoa`).
    public var description: String {
        "\(octets.0).\(octets.1).\(octets.2).\(octets.3)"
    }

    /// Whether both are the same address.
    public static func == (lhs: IPv4Address, rhs: IPv4Address) -> Bool {
        lhs.octets == rhs.octets
    }

    /// Hashes the address's bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(octets.0)
        hasher.combine(octets.1)
        hasher.combine(octets.2)
        hasher.combine(octets.3)
    }

    package init(_ address: in_addr) {
        octets = withUnsafeBytes(of: address) { ($0[0], $0[1], $0[2], $0[3]) }
    }

    package var inAddr: in_addr {
        var address = in_addr()
        withUnsafeMutableBytes(of: &address) { bytes in
            bytes[0] = octets.0
            bytes[1] = octets.1
            bytes[2] = octets.2
            bytes[3] = octets.3
        }
        return address
    }
}
