import Foundation
import Sockets
import Testing

extension SocketTests {
    /// Raw sockets need `CAP_NET_RAW`: without it creating one must fail with
    /// `permissionDenied`, and only then are these tests skipped.
    @Suite struct RawSocketTests {
        /// Creates a raw socket, or skips the test when the process may not.
        static func rawSocket(_ family: SocketFamily, _ protocol: SocketProtocol) throws -> Socket {
            do {
                return try Socket(family, .raw, protocol: `protocol`)
            } catch {
                #expect(error.kind == .permissionDenied, "\(error)")
                try Test.cancel("raw sockets need CAP_NET_RAW, which this process lacks (\(error))")
            }
        }

        /// Whether the kernel answers pings for `family` (a sysctl can turn it off).
        static func kernelAnswersEcho(_ family: SocketFamily) -> Bool {
            let path = family == .inet ? "/proc/sys/net/ipv4/icmp_echo_ignore_all" : "/proc/sys/net/ipv6/icmp/echo_ignore_all"
            let setting = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            return setting != "1"
        }

        /// An ICMP (or ICMPv6) echo request with `identifier` and `sequence` and a payload.
        static func echoRequest(type: UInt8, identifier: UInt16, sequence: UInt16, payload: [UInt8]) -> [UInt8] {
            var packet: [UInt8] =
                [
                    type, 0, 0, 0,
                    UInt8(identifier >> 8), UInt8(identifier & 0xFF),
                    UInt8(sequence >> 8), UInt8(sequence & 0xFF),
                ] + payload
            let sum = internetChecksum(packet)
            packet[2] = UInt8(sum >> 8)
            packet[3] = UInt8(sum & 0xFF)
            return packet
        }

        /// The RFC 1071 checksum.
        static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
            var sum: UInt32 = 0
            var index = 0
            while index + 1 < bytes.count {
                sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
                index += 2
            }
            if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
            while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
            return ~UInt16(sum)
        }

        @Test func icmpEcho_ToLoopback_GetsAReply() throws {
            let socket = try Self.rawSocket(.inet, .icmp)
            defer { socket.close() }
            try #require(Self.kernelAnswersEcho(.inet), "net.ipv4.icmp_echo_ignore_all is set")
            #expect(socket.type == .raw)
            #expect(socket.protocol == .icmp)
            socket.timeout = .seconds(2)
            let identifier = UInt16.random(in: 1...UInt16.max)
            let payload = bytes("sockets raw test")
            let request = Self.echoRequest(type: 8, identifier: identifier, sequence: 1, payload: payload)
            #expect(try socket.sendTo(request, .ipv4(.loopback, port: 0)) == request.count)
            // A raw ICMP socket sees every ICMP packet (our own request too), with the IP header.
            for _ in 0..<20 {
                let (packet, sender) = try socket.recvFrom(1500)
                #expect(sender.host == "127.0.0.1")
                let headerLength = Int(packet[0] & 0x0F) * 4
                let icmp = Array(packet.dropFirst(headerLength))
                guard icmp.count >= 8, icmp[0] == 0,
                    UInt16(icmp[4]) << 8 | UInt16(icmp[5]) == identifier
                else { continue }
                #expect(Array(icmp.dropFirst(8)) == payload)
                #expect(Self.internetChecksum(icmp) == 0, "a valid checksum sums to zero")
                return
            }
            Issue.record("no echo reply among 20 ICMP packets")
        }

        @Test func icmpv6Echo_ToLoopback_GetsAReply() throws {
            try requireLoopback(.inet6)
            let socket = try Self.rawSocket(.inet6, .icmpv6)
            defer { socket.close() }
            try #require(Self.kernelAnswersEcho(.inet6), "net.ipv6.icmp.echo_ignore_all is set")
            socket.timeout = .seconds(2)
            let identifier = UInt16.random(in: 1...UInt16.max)
            let payload = bytes("sockets raw v6")
            // The kernel computes ICMPv6 checksums itself (they cover a pseudo-header).
            let request = Self.echoRequest(type: 128, identifier: identifier, sequence: 1, payload: payload)
            try socket.sendTo(request, .ipv6(.loopback, port: 0))
            for _ in 0..<20 {
                let (icmp, sender) = try socket.recvFrom(1500)
                #expect(sender.host == "::1")
                guard icmp.count >= 8, icmp[0] == 129,
                    UInt16(icmp[4]) << 8 | UInt16(icmp[5]) == identifier
                else { continue }
                #expect(Array(icmp.dropFirst(8)) == payload)
                return
            }
            Issue.record("no echo reply among 20 ICMPv6 packets")
        }
    }
}
