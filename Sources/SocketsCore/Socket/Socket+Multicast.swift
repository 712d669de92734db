import SocketsReactor
import SocketsSystem

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Joins an IPv4 multicast group on the interface with address `interface` (`.any`: the default one).
    ///
    /// Python: `socket.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq)`.
    public func joinMulticastGroup(_ group: IPv4Address, interface: IPv4Address = .any) throws(SocketError) {
        try setMembership(IP_ADD_MEMBERSHIP, group, interface)
    }

    /// Leaves an IPv4 multicast group (`IP_DROP_MEMBERSHIP`).
    public func leaveMulticastGroup(_ group: IPv4Address, interface: IPv4Address = .any) throws(SocketError) {
        try setMembership(IP_DROP_MEMBERSHIP, group, interface)
    }

    /// Joins an IPv6 multicast group on the interface with index `interfaceIndex` (0: the default one).
    ///
    /// Python: `socket.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, mreq)`.
    public func joinMulticastGroup(_ group: IPv6Address, interfaceIndex: UInt32 = 0) throws(SocketError) {
        try setMembership(IPV6_ADD_MEMBERSHIP, group, interfaceIndex)
    }

    /// Leaves an IPv6 multicast group (`IPV6_DROP_MEMBERSHIP`).
    public func leaveMulticastGroup(_ group: IPv6Address, interfaceIndex: UInt32 = 0) throws(SocketError) {
        try setMembership(IPV6_DROP_MEMBERSHIP, group, interfaceIndex)
    }

    private func setMembership(_ name: Int32, _ group: IPv4Address, _ interface: IPv4Address) throws(SocketError) {
        let request = ip_mreq(imr_multiaddr: group.inAddr, imr_interface: interface.inAddr)
        try setOption(level: Int32(IPPROTO_IP), name: name, bytes: withUnsafeBytes(of: request) { Array($0) })
    }

    private func setMembership(_ name: Int32, _ group: IPv6Address, _ interfaceIndex: UInt32) throws(SocketError) {
        let request = ipv6_mreq(ipv6mr_multiaddr: group.in6Addr, ipv6mr_interface: interfaceIndex)
        try setOption(level: Int32(IPPROTO_IPV6), name: name, bytes: withUnsafeBytes(of: request) { Array($0) })
    }
}
