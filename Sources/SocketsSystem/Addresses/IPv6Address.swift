#if canImport(Glibc)
    import Glibc
#endif

/// An IPv6 address (C: `struct in6_addr`).
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    /// The sixteen bytes in memory (network) order, kept inline so addresses never allocate.
    private var storage: (UInt64, UInt64)

    /// Creates an address from exactly 16 bytes in network order; nil for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        storage = (0, 0)
        withUnsafeMutableBytes(of: &storage) { $0.copyBytes(from: bytes) }
    }

    /// The sixteen bytes in network order.
    public var bytes: [UInt8] { withUnsafeBytes(of: storage) { Array($0) } }

    /// Parses IPv6 text such as `::1` or `fe80::1` (no brackets, no zone); nil if it is not one.
    ///
    /// The corresponding C function is `inet_pton`; Python: `socket.inet_pton(AF_INET6, …)`.
    public init?(_ text: String) {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        self.init(address)
    }

    /// `::`: every local interface.
    public static let any = IPv6Address(in6_addr())
    /// `::1`.
    public static let loopback = IPv6Address("::1")!

    /// Whether the address is in `ff00::/8`.
    public var isMulticast: Bool { bytes[0] == 0xFF }
    /// Whether the address is link-local (`fe80::/10`), where a scope id selects the interface.
    public var isLinkLocal: Bool { bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 }
    /// The embedded IPv4 address of an IPv4-mapped address (`::ffff:a.b.c.d`), else nil.
    public var mappedIPv4: IPv4Address? {
        let bytes = self.bytes
        guard bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return IPv4Address(bytes[12], bytes[13], bytes[14], bytes[15])
    }

    /// The canonical text form (C: `inet_ntop`), e.g. `::1`.
    public var description: String {
        var address = in6Addr
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether both are the same address.
    public static func == (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        lhs.storage == rhs.storage
    }

    /// Hashes the address's bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.0)
        hasher.combine(storage.1)
    }

    package init(_ address: in6_addr) {
        storage = withUnsafeBytes(of: address) { $0.loadUnaligned(as: (UInt64, UInt64).self) }
    }

    package var in6Addr: in6_addr {
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.storeBytes(of: storage, as: (UInt64, UInt64).self) }
        return address
    }
}
