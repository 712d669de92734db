import Foundation
import Framing
import Services
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `ChatService` on an in-process server, with a small queue bound and chosen patience
/// (the defaults are tested end to end in `ServeChatTests`).
@Suite struct ChatServiceTests {
    /// A blocking line client.
    private final class Member: Sendable {
        let socket: Socket

        /// - Parameter receiveBufferSize: `SO_RCVBUF` before connecting; a small one keeps
        ///   the kernel from growing the window of a member that never reads.
        init(_ address: SocketAddress, receiveBufferSize: Int? = nil) throws {
            socket = try Socket(address.family, .stream)
            socket.timeout = testTimeout
            if let receiveBufferSize { try socket.setOption(.receiveBufferSize, receiveBufferSize) }
            try socket.connect(to: address)
        }

        deinit { socket.close() }

        /// The next `count` lines (fewer if the stream ends); throws if more arrived.
        func receive(_ count: Int) throws -> [String] {
            var decoder = Framing.line.makeDecoder()
            var lines: [String] = []
            while lines.count < count, let message = try socket.recvMessage(&decoder) {
                lines.append(String(decoding: message, as: UTF8.self))
            }
            guard decoder.takeBuffered().isEmpty else { throw HarnessError("more than \(count) lines arrived") }
            return lines
        }

        /// Whether the server closed the connection: reading ends in EOF or a reset.
        func isClosedByServer() -> Bool {
            var decoder = Framing.line.makeDecoder()
            do {
                while try socket.recvMessage(&decoder) != nil {}
                return true
            } catch let error as SocketError {
                return error.kind == .connectionReset
            } catch {
                return false
            }
        }
    }

    private static let unit = Array((String(repeating: "z", count: 1023) + "\n").utf8)

    /// Sends copies of `unit` without waiting until the socket stays unwritable for
    /// 300 ms (the server stopped reading).
    ///
    /// - Returns: How many copies were begun, and what is left of the last one.
    private static func sendUntilStalled(_ socket: Socket) throws -> (copies: Int, rest: [UInt8]) {
        var total = 0
        var pending = unit[...]
        while total < 256 * 1024 * 1024 {
            let result = try pending.withUnsafeBytes { try socket.trySend($0) }
            guard case .completed(let sent) = result else {
                var descriptor = pollfd(fd: socket.fileDescriptor, events: Int16(POLLOUT), revents: 0)
                if poll(&descriptor, 1, 300) == 0 { break }
                continue
            }
            total += sent
            pending = pending.dropFirst(sent)
            if pending.isEmpty { pending = unit[...] }
        }
        return ((total + unit.count - 1) / unit.count, pending.count < unit.count ? Array(pending) : [])
    }

    @Test func serve_PausesTheSender_AndLosesNothing_WhenASlowMemberCatchesUpWithinThePatience() async throws {
        struct Seen: Sendable {
            var sent = 0
            var notices: [String] = []
            var slowLines: [String] = []
            var who: [String] = []
        }
        let service = ChatService(maximumQueuedBytes: 64 * 1024, patience: .seconds(60))
        let seen = try await ExecFilesHarness.withServer(service) { address in
            try await onThread {
                var seen = Seen()
                let talker = try Member(address)
                seen.notices += try talker.receive(1)
                let slow = try Member(address)
                seen.notices += try talker.receive(1)
                // The slow member does not read: its queue fills, the server stops
                // reading the talker, and TCP stops the talker.
                let (copies, rest) = try Self.sendUntilStalled(talker.socket)
                seen.sent = copies
                // It reads now, within the patience.
                seen.slowLines = try slow.receive(rest.isEmpty ? 1 + copies : copies)
                try talker.socket.sendAll(rest)
                if !rest.isEmpty { seen.slowLines += try slow.receive(1) }
                try talker.socket.sendAll(Array("/who\n".utf8))
                seen.who = try talker.receive(1)
                return seen
            }
        }
        #expect(seen.notices == ["* guest-1 joined", "* guest-2 joined"])
        #expect(seen.sent > 0)
        #expect(seen.sent * Self.unit.count < 64 * 1024 * 1024)
        // Every line, in order, and the slow member is still in the room.
        let expected = "guest-1: " + String(repeating: "z", count: 1023)
        #expect(seen.slowLines.first == "* guest-2 joined")
        #expect(seen.slowLines.count == 1 + seen.sent)
        #expect(seen.slowLines.dropFirst().allSatisfy { $0 == expected })
        #expect(seen.who == ["* online: guest-1, guest-2"])
    }

    @Test func serve_DisconnectsAMemberThatStaysOverTheBound_AfterTheConfiguredPatience() async throws {
        struct Seen: Sendable {
            var notices: [String] = []
            var sent = 0
            var left: [String] = []
            var elapsed = Duration.zero
            var silentClosed = false
            var who: [String] = []
        }
        let service = ChatService(maximumQueuedBytes: 64 * 1024, patience: .milliseconds(500))
        let seen = try await ExecFilesHarness.withServer(service) { address in
            try await onThread {
                var seen = Seen()
                let talker = try Member(address)
                seen.notices += try talker.receive(1)
                let silent = try Member(address, receiveBufferSize: 4096)
                seen.notices += try talker.receive(1)
                let start = ContinuousClock.now
                // Stalls while the silent member's queue is over the bound; the rest
                // goes through once it is dropped. (The silent member's small receive
                // buffer keeps the kernel from making room for its queue meanwhile.)
                let (copies, rest) = try Self.sendUntilStalled(talker.socket)
                seen.sent = copies
                try talker.socket.sendAll(rest)
                seen.left = try talker.receive(1)
                seen.elapsed = ContinuousClock.now - start
                seen.silentClosed = silent.isClosedByServer()
                try talker.socket.sendAll(Array("/who\n".utf8))
                seen.who = try talker.receive(1)
                return seen
            }
        }
        #expect(seen.notices == ["* guest-1 joined", "* guest-2 joined"])
        #expect(seen.sent > 0)
        #expect(seen.left == ["* guest-2 left"])
        // Well before the default patience (5 s).
        #expect(seen.elapsed < .seconds(4), "dropped after \(String(describing: seen.elapsed))")
        #expect(seen.silentClosed)
        #expect(seen.who == ["* online: guest-1"])
    }

    @Test func room_BehavesAsOne_WithMembersOnDifferentReactors() async throws {
        let reactors = try ReactorGroup(threads: 3)
        defer { reactors.shutdown() }
        let lines = try await ExecFilesHarness.withServer(ChatService(), reactors: reactors) { address in
            try await onThread {
                // One member per reactor: connections go to the reactors in turn.
                let ann = try Member(address)
                var annLines = try ann.receive(1)
                let bob = try Member(address)
                annLines += try ann.receive(1)
                var bobLines = try bob.receive(1)
                let cy = try Member(address)
                annLines += try ann.receive(1)
                bobLines += try bob.receive(1)
                var cyLines = try cy.receive(1)
                // Each says 100 numbered lines at once; every other member gets each
                // sender's lines in the order it said them.
                for index in 0..<100 {
                    try ann.socket.sendAll(Array("a\(index)\n".utf8))
                    try bob.socket.sendAll(Array("b\(index)\n".utf8))
                    try cy.socket.sendAll(Array("c\(index)\n".utf8))
                }
                annLines += try ann.receive(200)
                bobLines += try bob.receive(200)
                cyLines += try cy.receive(200)
                try ann.socket.sendAll(Array("/who\n/msg guest-3 psst\n/quit\n".utf8))
                annLines += try ann.receive(1)
                cyLines += try cy.receive(2)
                bobLines += try bob.receive(1)
                return [annLines, bobLines, cyLines]
            }
        }
        func said(_ lines: [String], by name: String) -> [String] {
            lines.filter { $0.hasPrefix("\(name): ") }.map { String($0.dropFirst(name.count + 2)) }
        }
        let numbered = { (prefix: String) in (0..<100).map { "\(prefix)\($0)" } }
        let (ann, bob, cy) = (lines[0], lines[1], lines[2])
        #expect(Array(ann.prefix(3)) == ["* guest-1 joined", "* guest-2 joined", "* guest-3 joined"])
        #expect(Array(bob.prefix(2)) == ["* guest-2 joined", "* guest-3 joined"])
        #expect(cy.first == "* guest-3 joined")
        #expect(said(ann, by: "guest-2") == numbered("b"))
        #expect(said(ann, by: "guest-3") == numbered("c"))
        #expect(said(bob, by: "guest-1") == numbered("a"))
        #expect(said(bob, by: "guest-3") == numbered("c"))
        #expect(said(cy, by: "guest-1") == numbered("a"))
        #expect(said(cy, by: "guest-2") == numbered("b"))
        #expect(ann.last == "* online: guest-1, guest-2, guest-3")
        #expect(cy.suffix(2) == ["guest-1 (private): psst", "* guest-1 left"])
        #expect(bob.last == "* guest-1 left")
    }
}
