import Sockets
import SystemPackage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SocketTests {
    @Suite struct SocketOptionsTests {
        @Test func flags_RoundTrip_OnATCPSocket() throws {
            let socket = try Socket()
            defer { socket.close() }
            for option in [SocketOption<Bool>.reuseAddress, .reusePort, .keepAlive, .noDelay] {
                #expect(try socket.option(option) == false, "off by default: \(option.level)/\(option.name)")
                try socket.setOption(option, true)
                #expect(try socket.option(option) == true)
                try socket.setOption(option, false)
                #expect(try socket.option(option) == false)
            }
        }

        @Test func flags_AreTheCOptions() throws {
            let socket = try Socket()
            defer { socket.close() }
            try socket.setOption(.reuseAddress, true)
            #expect(try socket.option(level: SOL_SOCKET, name: SO_REUSEADDR) == 1)
            try socket.setOption(.noDelay, true)
            #expect(try socket.option(level: Int32(IPPROTO_TCP), name: TCP_NODELAY) == 1)
            #expect(SocketOption<Bool>.keepAlive.level == SOL_SOCKET)
            #expect(SocketOption<Bool>.keepAlive.name == SO_KEEPALIVE)
        }

        @Test func keepAliveTimers_RoundTrip() throws {
            let socket = try Socket()
            defer { socket.close() }
            try socket.setOption(.keepAlive, true)
            try socket.setOption(.keepAliveIdle, .seconds(30))
            try socket.setOption(.keepAliveInterval, .seconds(5))
            try socket.setOption(.keepAliveCount, 4)
            #expect(try socket.option(.keepAliveIdle) == .seconds(30))
            #expect(try socket.option(.keepAliveInterval) == .seconds(5))
            #expect(try socket.option(.keepAliveCount) == 4)
            #expect(try socket.option(level: Int32(IPPROTO_TCP), name: TCP_KEEPIDLE) == 30)
        }

        @Test func keepAliveIdle_Throws_ForAnOutOfRangeValue() throws {
            let socket = try Socket()
            defer { socket.close() }
            let error = expectSocketError(.invalidArgument) { try socket.setOption(.keepAliveIdle, .zero) }
            #expect(error?.operation == "setsockopt")
        }

        @Test func bufferSizes_AreDoubledByLinux() throws {
            let socket = try Socket()
            defer { socket.close() }
            try socket.setOption(.receiveBufferSize, 32 * 1024)
            try socket.setOption(.sendBufferSize, 48 * 1024)
            #expect(try socket.option(.receiveBufferSize) == 64 * 1024)
            #expect(try socket.option(.sendBufferSize) == 96 * 1024)
        }

        @Test func linger_RoundTrips_OffOnAndZero() throws {
            let socket = try Socket()
            defer { socket.close() }
            #expect(try socket.option(.linger) == nil)
            try socket.setOption(.linger, .seconds(5))
            #expect(try socket.option(.linger) == .seconds(5))
            try socket.setOption(.linger, .zero)
            #expect(try socket.option(.linger) == .zero)
            try socket.setOption(.linger, nil)
            #expect(try socket.option(.linger) == nil)
        }

        @Test func linger_RoundsAFractionOfASecondUp_NeverDownToAReset() throws {
            let socket = try Socket()
            defer { socket.close() }
            try socket.setOption(.linger, .milliseconds(500))
            #expect(try socket.option(.linger) == .seconds(1), "0 s would discard unsent data and reset")
            try socket.setOption(.linger, .milliseconds(2500))
            #expect(try socket.option(.linger) == .seconds(3))
        }

        @Test func broadcast_RoundTrips_OnUDP() throws {
            let socket = try Socket(.inet, .datagram)
            defer { socket.close() }
            #expect(try socket.option(.broadcast) == false)
            try socket.setOption(.broadcast, true)
            #expect(try socket.option(.broadcast))
        }

        @Test func ipv6Only_RoundTrips_OnIPv6_AndThrowsOnIPv4() throws {
            let socket = try Socket(.inet6, .stream)
            defer { socket.close() }
            try socket.setOption(.ipv6Only, true)
            #expect(try socket.option(.ipv6Only))
            try socket.setOption(.ipv6Only, false)
            #expect(try socket.option(.ipv6Only) == false)

            let v4 = try Socket(.inet, .stream)
            defer { v4.close() }
            let error = expectSocketError(.other) { try v4.setOption(.ipv6Only, true) }
            #expect(error?.errnoName == "ENOPROTOOPT")
        }

        @Test func noDelay_Throws_OnUDP() throws {
            let socket = try Socket(.inet, .datagram)
            defer { socket.close() }
            let error = expectSocketError(.other) { try socket.setOption(.noDelay, true) }
            #expect(error?.errnoName == "ENOPROTOOPT")
            #expect(error?.description == "setsockopt: protocol not available")
        }

        @Test func errorAndType_AreReadOnlyFacts() throws {
            let stream = try Socket()
            let datagram = try Socket(.inet, .datagram)
            let (pairA, pairB) = try unixPair(.seqpacket)
            defer {
                stream.close()
                datagram.close()
                pairA.close()
                pairB.close()
            }
            #expect(try stream.option(.type) == .stream)
            #expect(try datagram.option(.type) == .datagram)
            #expect(try pairA.option(.type) == .seqpacket)
            #expect(try stream.option(.error) == nil)
            #expect(try stream.option(.acceptsConnections) == false)
        }

        /// A non-blocking loopback connect always answers `EINPROGRESS` on Linux (the reset is
        /// handled after the call returns), so the refusal is always waiting in `SO_ERROR`.
        @Test func error_HoldsTheOutcomeOfAFailedConnect() throws {
            let closed = try ClosedPort()
            defer { closed.close() }
            let port = closed.port
            let socket = try Socket()
            defer { socket.close() }
            guard case .wouldBlock = try socket.startConnect(to: .ipv4(.loopback, port: port)) else {
                Issue.record("connected at once to a port nobody listens on")
                return
            }
            try waitWritable(socket)
            #expect(try socket.option(.error) == Errno.connectionRefused)
            #expect(try socket.option(.error) == nil, "reading it clears it")
        }

        @Test func timeToLive_RoundTrips() throws {
            let socket = try Socket(.inet, .datagram)
            defer { socket.close() }
            try socket.setOption(.timeToLive, 17)
            #expect(try socket.option(.timeToLive) == 17)
        }

        @Test func rawOptions_SetAndGetBytesAndInts() throws {
            let socket = try Socket()
            defer { socket.close() }
            try socket.setOption(level: SOL_SOCKET, name: SO_RCVLOWAT, value: 7)
            #expect(try socket.option(level: SOL_SOCKET, name: SO_RCVLOWAT) == 7)
            let seven = withUnsafeBytes(of: Int32(9)) { Array($0) }
            try socket.setOption(level: SOL_SOCKET, name: SO_RCVLOWAT, bytes: seven)
            #expect(try socket.option(level: SOL_SOCKET, name: SO_RCVLOWAT, maximumLength: 4) == seven)
            let linger = try socket.option(level: SOL_SOCKET, name: SO_LINGER, maximumLength: 64)
            #expect(linger.count == MemoryLayout<Glibc.linger>.size, "only the bytes the kernel wrote")
            let error = expectSocketError(.other) { _ = try socket.option(level: SOL_SOCKET, name: 9999) }
            #expect(error?.errnoName == "ENOPROTOOPT")
            #expect(error?.operation == "getsockopt")
        }

        @Test func customOption_UsesItsOwnEncoding() throws {
            let priority = SocketOption<UInt8>(
                level: SOL_SOCKET, name: SO_PRIORITY,
                encode: { withUnsafeBytes(of: Int32($0)) { Array($0) } },
                decode: { UInt8($0.first ?? 0) })
            let socket = try Socket()
            defer { socket.close() }
            try socket.setOption(priority, 5)
            #expect(try socket.option(priority) == 5)
            #expect(try socket.option(level: SOL_SOCKET, name: SO_PRIORITY) == 5)

            let flag = SocketOption<Bool>.flag(level: SOL_SOCKET, name: SO_OOBINLINE)
            try socket.setOption(flag, true)
            #expect(try socket.option(flag))
            let integer = SocketOption<Int>.integer(level: SOL_SOCKET, name: SO_RCVLOWAT)
            try socket.setOption(integer, 3)
            #expect(try socket.option(integer) == 3)
        }

        @Test func options_WorkOnUnixSockets() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            try a.setOption(.sendBufferSize, 16 * 1024)
            #expect(try a.option(.sendBufferSize) == 32 * 1024)
            try a.setOption(level: SOL_SOCKET, name: SO_PASSCRED, value: 1)
            #expect(try a.option(level: SOL_SOCKET, name: SO_PASSCRED) == 1)
        }
    }
}
