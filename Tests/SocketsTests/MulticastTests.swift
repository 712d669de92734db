import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SocketTests {
    /// Multicast stays on this host: IPv4 is sent on the loopback interface with TTL 0,
    /// and IPv6 uses interface-local groups (`ff01::/16`) on `lo` with hop limit 0.
    @Suite struct MulticastTests {
        static let group = IPv4Address(239, 255, 77, 1)
        static let group6 = IPv6Address("ff01::1:77")!
        static let loopbackIndex = if_nametoindex("lo")

        /// A UDP socket bound to the group's address and a free port, a member of `group` on loopback.
        static func member(port: UInt16 = 0) throws -> Socket {
            let socket = try Socket(.inet, .datagram)
            socket.timeout = testTimeout
            try socket.setOption(.reuseAddress, true)
            // Only the groups this socket joined, not those of every socket on the port (Linux default).
            try socket.setOption(level: Int32(IPPROTO_IP), name: IP_MULTICAST_ALL, value: 0)
            try socket.bind(to: .ipv4(group, port: port))
            try socket.joinMulticastGroup(group, interface: .loopback)
            return socket
        }

        /// A UDP socket that sends multicast on loopback only.
        static func loopbackSender() throws -> Socket {
            let socket = try Socket(.inet, .datagram)
            try socket.setOption(.multicastInterface, .loopback)
            try socket.setOption(.multicastTimeToLive, 0)
            try socket.setOption(.multicastLoop, true)
            return socket
        }

        @Test func ipv4Options_RoundTrip() throws {
            let socket = try Socket(.inet, .datagram)
            defer { socket.close() }
            #expect(try socket.option(.multicastTimeToLive) == 1, "the default stays on the local network")
            try socket.setOption(.multicastTimeToLive, 0)
            #expect(try socket.option(.multicastTimeToLive) == 0)
            try socket.setOption(.multicastLoop, false)
            #expect(try socket.option(.multicastLoop) == false)
            try socket.setOption(.multicastLoop, true)
            #expect(try socket.option(.multicastLoop))
            #expect(try socket.option(.multicastInterface) == .any)
            try socket.setOption(.multicastInterface, .loopback)
            #expect(try socket.option(.multicastInterface) == .loopback)
        }

        @Test func ipv4Group_DeliversToMembers_AndNotAfterLeaving() throws {
            let first = try Self.member()
            defer { first.close() }
            let port = try #require(try first.localAddress().port)
            let second = try Self.member(port: port)
            defer { second.close() }
            let sender = try Self.loopbackSender()
            defer { sender.close() }

            try sender.sendTo(bytes("to the group"), .ipv4(Self.group, port: port))
            let (data, from) = try first.recvFrom(100)
            #expect(data == bytes("to the group"))
            #expect(from.host == "127.0.0.1")
            #expect(try second.recvFrom(100).bytes == bytes("to the group"))

            try first.leaveMulticastGroup(Self.group, interface: .loopback)
            try sender.sendTo(bytes("members only"), .ipv4(Self.group, port: port))
            #expect(try second.recvFrom(100).bytes == bytes("members only"))
            // The second member has it, so the kernel is done delivering it: the first must not.
            var buffer = [UInt8](repeating: 0, count: 100)
            guard case .wouldBlock = try buffer.withUnsafeMutableBytes({ try first.tryRecvFrom(into: $0) }) else {
                Issue.record("a socket that left the group still received its datagram")
                return
            }
        }

        @Test func ipv4Leave_ThrowsAddressNotAvailable_WhenNotAMember() throws {
            let socket = try Socket(.inet, .datagram)
            defer { socket.close() }
            let error = expectSocketError(.addressNotAvailable) {
                try socket.leaveMulticastGroup(Self.group, interface: .loopback)
            }
            #expect(error?.operation == "setsockopt")
        }

        @Test func ipv4Join_ThrowsInvalidArgument_ForAUnicastAddress() throws {
            let socket = try Socket(.inet, .datagram)
            defer { socket.close() }
            expectSocketError(.invalidArgument) { try socket.joinMulticastGroup(.loopback, interface: .loopback) }
        }

        @Test func ipv6Options_RoundTrip() throws {
            try requireLoopback(.inet6)
            let socket = try Socket(.inet6, .datagram)
            defer { socket.close() }
            try socket.setOption(.multicastHops, 0)
            #expect(try socket.option(.multicastHops) == 0)
            try socket.setOption(.multicastLoopIPv6, false)
            #expect(try socket.option(.multicastLoopIPv6) == false)
            try socket.setOption(.multicastLoopIPv6, true)
            #expect(try socket.option(.multicastLoopIPv6))
            try socket.setOption(.multicastInterfaceIPv6, Int(Self.loopbackIndex))
            #expect(try socket.option(.multicastInterfaceIPv6) == Int(Self.loopbackIndex))
        }

        @Test func ipv6JoinAndLeave_OnLoopback() throws {
            try requireLoopback(.inet6)
            let socket = try Socket(.inet6, .datagram)
            defer { socket.close() }
            try socket.bind(to: .ipv6(.loopback, port: 0))
            try socket.joinMulticastGroup(Self.group6, interfaceIndex: Self.loopbackIndex)
            expectSocketError(.addressInUse) {
                try socket.joinMulticastGroup(Self.group6, interfaceIndex: Self.loopbackIndex)
            }
            try socket.leaveMulticastGroup(Self.group6, interfaceIndex: Self.loopbackIndex)
            expectSocketError(.addressNotAvailable) {
                try socket.leaveMulticastGroup(Self.group6, interfaceIndex: Self.loopbackIndex)
            }
            expectSocketError(.invalidArgument) {
                try socket.joinMulticastGroup(IPv6Address.loopback, interfaceIndex: Self.loopbackIndex)
            }
        }

        @Test func ipv6Group_DeliversToMembers_OnLoopback() throws {
            try requireLoopback(.inet6)
            let member = try Socket(.inet6, .datagram)
            defer { member.close() }
            member.timeout = testTimeout
            try member.bind(to: .ipv6(Self.group6, port: 0, scopeID: Self.loopbackIndex))
            try member.joinMulticastGroup(Self.group6, interfaceIndex: Self.loopbackIndex)
            let port = try #require(try member.localAddress().port)
            let sender = try Socket(.inet6, .datagram)
            defer { sender.close() }
            try sender.setOption(.multicastInterfaceIPv6, Int(Self.loopbackIndex))
            try sender.setOption(.multicastHops, 0)
            try sender.setOption(.multicastLoopIPv6, true)
            do {
                try sender.sendTo(bytes("v6 group"), .ipv6(Self.group6, port: port, scopeID: Self.loopbackIndex))
            } catch {
                guard error.kind == .unreachable else { throw error }
                try Test.cancel("lo has no IFF_MULTICAST here, so IPv6 multicast cannot be sent on loopback (\(error))")
            }
            #expect(try member.recvFrom(100).bytes == bytes("v6 group"))
        }
    }
}
