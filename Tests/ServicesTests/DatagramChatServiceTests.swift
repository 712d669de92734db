import Foundation
import Services
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `chat --udp` on Unix datagram sockets, where a member that does not read fills its
/// receive queue (`net.unix.max_dgram_qlen` datagrams) and the server's sends to it
/// would block.
@Suite struct DatagramChatServiceTests {
    /// A member: a Unix datagram socket bound to its own path, blocking with a timeout.
    private struct Member {
        let socket: Socket
        let room: SocketAddress

        init(path: String, room: SocketAddress) throws {
            socket = try Socket(.unix, .datagram)
            socket.timeout = .seconds(10)
            try socket.bind(to: .unix(path: path))
            self.room = room
        }

        func send(_ text: String) throws { _ = try socket.sendTo(Array(text.utf8), room) }

        func receive() throws -> String { String(decoding: try socket.recvFrom(65_536).bytes, as: UTF8.self) }

        /// Every datagram already queued for this member.
        func drain() -> [String] {
            socket.timeout = .milliseconds(50)
            defer { socket.timeout = .seconds(10) }
            var lines: [String] = []
            while let line = try? receive() { lines.append(line) }
            return lines
        }
    }

    @Test func handle_AnnouncesANewcomerOnce_WhenItsFirstDatagramIsANick() async throws {
        let temporary = try TemporaryDirectory("chat-dgram")
        defer { temporary.remove() }
        let directory = temporary.path
        let socket = try Socket.bindDatagram(to: "unix:\(directory)/room")
        let room = SocketAddress.unix(path: directory + "/room")
        let server = DatagramServer(socket: socket, handler: DatagramChatService().handle)
        let running = Task { try await server.run() }
        defer { server.shutdown() }

        let first = try Member(path: directory + "/first", room: room)
        let bob = try Member(path: directory + "/bob", room: room)
        defer { for member in [first, bob] { member.socket.close() } }
        try first.send("/who")
        #expect(try first.receive() == "* guest-1 joined")
        #expect(try first.receive() == "* online: guest-1")
        try bob.send("/nick bob")
        #expect(try bob.receive() == "* bob joined")
        #expect(try first.receive() == "* bob joined")
        try bob.send("hi")
        #expect(try first.receive() == "bob: hi")

        server.shutdown()
        try await running.value
    }

    @Test func handle_DropsAndCountsDatagrams_WhenAMemberDoesNotRead() async throws {
        let temporary = try TemporaryDirectory("chat-dgram")
        defer { temporary.remove() }
        let directory = temporary.path
        let socket = try Socket.bindDatagram(to: "unix:\(directory)/room")
        let room = SocketAddress.unix(path: directory + "/room")
        let service = DatagramChatService()
        let server = DatagramServer(socket: socket, handler: service.handle)
        let running = Task { try await server.run() }
        defer { server.shutdown() }

        let silent = try Member(path: directory + "/silent", room: room)
        let talker = try Member(path: directory + "/talker", room: room)
        let listener = try Member(path: directory + "/listener", room: room)
        defer { for member in [silent, talker, listener] { member.socket.close() } }
        try silent.send("/who")
        #expect(try silent.receive() == "* guest-1 joined")
        #expect(try silent.receive() == "* online: guest-1")
        try talker.send("/who")
        #expect(try talker.receive() == "* guest-2 joined")
        #expect(try talker.receive() == "* online: guest-1, guest-2")
        try listener.send("/who")
        #expect(try listener.receive() == "* guest-3 joined")
        #expect(try listener.receive() == "* online: guest-1, guest-2, guest-3")
        #expect(try talker.receive() == "* guest-3 joined")
        #expect(silent.drain() == ["* guest-2 joined", "* guest-3 joined"])
        #expect(service.droppedDatagrams == 0)

        // The silent member stops reading; the listener reads each line before the next
        // is sent, so only the silent member's queue fills.
        let count = 50
        for index in 0..<count {
            try talker.send("line \(index)")
            #expect(try listener.receive() == "guest-2: line \(index)")
        }
        let kept = silent.drain()
        #expect(kept == (0..<kept.count).map { "guest-2: line \($0)" })
        #expect(!kept.isEmpty && kept.count < count)
        #expect(service.droppedDatagrams == count - kept.count)

        // Once it reads again, the member receives again.
        try talker.send("again")
        #expect(try silent.receive() == "guest-2: again")
        #expect(try listener.receive() == "guest-2: again")

        server.shutdown()
        try await running.value
    }
}
