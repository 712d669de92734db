import Foundation
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock relay LISTEN TARGET`: a port forward in front of an echo server.
    @Suite struct RelayCommandTests {
        private static func relay(to target: String, _ options: [String] = []) throws -> E2EListener {
            try E2EListener(["relay", "127.0.0.1:0", target] + options, announcedOnStandardOutput: true)
        }

        @Test func relay_CarriesBytesBothWays_AndLogsTheCountsOnClose() throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }
            let relay = try Self.relay(to: server.address)
            defer { relay.stop() }
            let payload = bytePattern(count: 300_000, seed: 3)

            let client = try E2EClient(relay.address, framing: .raw)
            let sender = E2ESender(client.socket, payload)
            #expect(try client.receiveRaw(count: payload.count) == payload)
            #expect(sender.wait())
            try client.finishSending()
            #expect(try client.receiveRawUntilClosed().isEmpty)

            #expect(relay.child.standardError.wait(forText: "relay ended"))
            let line = try relay.child.standardError.line { $0.contains("relay ended") }
            #expect(line.contains("client_to_target=300000"), "\(line)")
            #expect(line.contains("target_to_client=300000"), "\(line)")
            #expect(line.contains("target=\(server.address)"), "\(line)")
        }

        @Test func relay_CarriesTheHalfClose_AndTheClientStillReceivesTheRest() throws {
            // The target answers only after the end of its input: seeing the half-close is the only way.
            let target = try Socket.listen(on: "127.0.0.1:0")
            defer { target.close() }
            target.timeout = E2E.timeout
            let relay = try Self.relay(to: "\(try target.localAddress())")
            defer { relay.stop() }

            let client = try E2EClient(relay.address, framing: .raw)
            try client.sendRaw(E2E.bytes("question"))
            try client.finishSending()
            let (upstream, _) = try target.accept()
            defer { upstream.close() }
            upstream.timeout = E2E.timeout
            var received: [UInt8] = []
            while case let chunk = try upstream.recv(4096), !chunk.isEmpty { received += chunk }
            #expect(received == E2E.bytes("question"))
            try upstream.sendAll(E2E.bytes("the answer, after your end"))
            try upstream.shutdown(.write)

            #expect(try client.receiveRawUntilClosed() == E2E.bytes("the answer, after your end"))
        }

        /// How many pipe descriptors `process` has open.
        private static func pipeCount(_ process: ChildProcess) -> Int {
            openDescriptors(ofProcess: process.pid).values.filter { $0.hasPrefix("pipe:") }.count
        }

        @Test func relayTCP_MovesBytesThroughKernelPipes_WhileAConnectionIsOpen() async throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }
            let relay = try Self.relay(to: server.address, ["--quiet"])
            defer { relay.stop() }
            let idle = Self.pipeCount(relay.child)

            let client = try E2EClient(relay.address, framing: .raw)
            try client.sendRaw(E2E.bytes("through the pipes"))
            #expect(try client.receiveRaw(count: 17) == E2E.bytes("through the pipes"))
            // splice(2) needs a pipe per direction: two descriptors each.
            #expect(Self.pipeCount(relay.child) == idle + 4)
            try client.finishSending()
            #expect(try client.receiveRawUntilClosed().isEmpty)
            #expect(await eventually(within: E2E.timeout) { Self.pipeCount(relay.child) == idle })
        }

        @Test func relayFromUnix_CopiesBothWays_AndCarriesTheHalfClose() throws {
            let temporary = try TemporaryDirectory("sock-relay")
            defer { temporary.remove() }
            let target = try Socket.listen(on: "127.0.0.1:0")
            defer { target.close() }
            target.timeout = E2E.timeout
            let relay = try E2EListener(
                ["relay", "unix:\(temporary.path)/r.sock", "\(try target.localAddress())", "--quiet"],
                announcedOnStandardOutput: true)
            defer { relay.stop() }
            let idle = Self.pipeCount(relay.child)

            let client = try E2EClient(relay.address, framing: .raw)
            let payload = bytePattern(count: 300_000, seed: 5)
            let sender = E2ESender(client.socket, payload, halfClose: true)
            let (upstream, _) = try target.accept()
            defer { upstream.close() }
            upstream.timeout = E2E.timeout
            var received: [UInt8] = []
            while case let chunk = try upstream.recv(65_536), !chunk.isEmpty { received += chunk }
            #expect(sender.wait())
            #expect(received == payload)
            // A unix stream is copied in the process: no pipes.
            #expect(Self.pipeCount(relay.child) == idle)
            try upstream.sendAll(E2E.bytes("after your end"))
            try upstream.shutdown(.write)
            #expect(try client.receiveRawUntilClosed() == E2E.bytes("after your end"))
        }

        @Test func relay_ClosesTheClientAndSaysSo_WhenTheTargetRefuses() throws {
            let closed = try ClosedPort()
            defer { closed.close() }
            let relay = try Self.relay(to: "127.0.0.1:\(closed.port)")
            defer { relay.stop() }

            let client = try E2EClient(relay.address, framing: .raw)
            #expect(client.isClosedByServer())
            let line = try relay.child.standardError.line { $0.contains("target unreachable") }
            #expect(line.contains("connection refused"), "\(line)")
            #expect(!relay.child.hasExited)
        }

        @Test func relay_GivesUpOnTheTarget_AfterTheConnectTimeout() throws {
            let unanswered = try E2EUnansweredPort()
            defer { unanswered.close() }
            let address = unanswered.address
            let relay = try Self.relay(to: "\(address)", ["--connect-timeout", "0.3"])
            defer { relay.stop() }

            let client = try E2EClient(relay.address, framing: .raw)
            #expect(client.isClosedByServer())
            let line = try relay.child.standardError.line { $0.contains("target unreachable") }
            #expect(line.contains("timed out"), "\(line)")
        }

        @Test func relay_ServesManyConnectionsAtOnce() throws {
            let server = try E2EServer.serve("echo", ["--framing", "line"])
            defer { server.stop() }
            let relay = try Self.relay(to: server.address, ["--quiet"])
            defer { relay.stop() }

            let clients = try (0..<50).map { _ in try E2EClient(relay.address) }
            for (index, client) in clients.enumerated() { try client.send("client \(index)") }
            for (index, client) in clients.enumerated() { #expect(try client.receiveText() == "client \(index)") }
            #expect(relay.child.standardError.text == "")
        }

        @Test func relayUDP_ForwardsDatagramsAndReplies() throws {
            let server = try E2EServer.serve("upper", ["--udp"])
            defer { server.stop() }
            let relay = try Self.relay(to: server.address, ["--udp"])
            defer { relay.stop() }

            let client = try E2EDatagramClient(relay.address)
            try client.send("through the relay")
            #expect(try client.receiveText() == "THROUGH THE RELAY")
        }

        @Test func relayVerbose_LogsTheTargetConnected_AndBothSidesTCPInfoAtTheClose() throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }
            let relay = try Self.relay(to: server.address, ["-v"])
            defer { relay.stop() }

            let client = try E2EClient(relay.address, framing: .raw)
            let local = try client.socket.localAddress()
            try client.sendRaw(E2E.bytes("hi"))
            #expect(try client.receiveRaw(count: 2) == E2E.bytes("hi"))
            try client.finishSending()
            #expect(try client.receiveRawUntilClosed().isEmpty)

            let opened = try relay.child.standardError.line { $0.contains("relay opened") }
            #expect(opened.contains(" peer=\(local) "), "\(opened)")
            #expect(opened.contains(" target=\(server.address)"), "\(opened)")
            #expect(opened.contains(" target_address=\(server.address)"), "\(opened)")
            #expect(opened.contains(/\ local=127\.0\.0\.1:\d+/), "\(opened)")
            #expect(opened.contains(/\ connect_time=\d+\.\d{3}ms/), "\(opened)")
            let ended = try relay.child.standardError.line { $0.contains("relay ended") }
            #expect(ended.contains("client_to_target=2 "), "\(ended)")
            for side in ["client", "target"] {
                #expect(ended.contains(try Regex(" \(side)_rtt=\\d+\\.\\d{3}ms ")), "\(ended)")
                #expect(ended.contains(try Regex(" \(side)_retransmits=\\d+ ")), "\(ended)")
            }
        }

        @Test func relayHex_DumpsBothDirectionsAfterTheClientsAddress_ThroughNoKernelPipes() throws {
            let server = try E2EServer.serve("echo")
            defer { server.stop() }
            let relay = try Self.relay(to: server.address, ["--hex", "--quiet"])
            defer { relay.stop() }
            let idle = Self.pipeCount(relay.child)

            let client = try E2EClient(relay.address, framing: .raw)
            let local = try client.socket.localAddress()
            try client.sendRaw(E2E.bytes("hello"))
            #expect(try client.receiveRaw(count: 5) == E2E.bytes("hello"))
            // The bytes go through the process to be shown: no splice pipes.
            #expect(Self.pipeCount(relay.child) == idle)
            try client.finishSending()
            #expect(try client.receiveRawUntilClosed().isEmpty)

            #expect(relay.child.standardError.wait(forText: "|hello|\n", count: 2))
            #expect(
                relay.child.standardError.lines == [
                    "\(local) > 00000000  68 65 6c 6c 6f                                    |hello|",
                    "\(local) < 00000000  68 65 6c 6c 6f                                    |hello|",
                ], "\(relay.child.standardError.text)")
        }

        @Test func relay_RefusesVerboseAndHex_WithUDP() throws {
            let result = try E2ERun.sock(["relay", "127.0.0.1:0", "127.0.0.1:9", "--udp", "--hex"])
            #expect(result.status == 64)
            #expect(result.standardError.contains("-v and --hex are for streams, not --udp"), "\(result.standardError)")
        }
    }
}
