import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SocketTests {
    @Suite struct ControlMessageTests {
        /// `SCM_CREDENTIALS` and `struct ucred`, which Glibc hides behind `_GNU_SOURCE`.
        static let scmCredentials: Int32 = 2
        struct Credentials: Equatable {
            var pid: pid_t
            var uid: uid_t
            var gid: gid_t

            var bytes: [UInt8] { withUnsafeBytes(of: (pid, uid, gid)) { Array($0) } }

            init(pid: pid_t, uid: uid_t, gid: gid_t) {
                (self.pid, self.uid, self.gid) = (pid, uid, gid)
            }

            init?(_ bytes: [UInt8]) {
                guard bytes.count == 12 else { return nil }
                let fields = bytes.withUnsafeBytes { $0.loadUnaligned(as: (pid_t, uid_t, gid_t).self) }
                (pid, uid, gid) = fields
            }
        }

        /// A pipe: (read end, write end).
        static func makePipe() throws -> (Int32, Int32) {
            var fds: [Int32] = [-1, -1]
            try #require(pipe(&fds) == 0)
            return (fds[0], fds[1])
        }

        @Test func fileDescriptors_EncodesAndDecodesDescriptors() {
            let message = ControlMessage.fileDescriptors([3, 70000, -1])
            #expect(message.level == SOL_SOCKET)
            #expect(message.type == Int32(SCM_RIGHTS))
            #expect(message.data.count == 12)
            #expect(message.fileDescriptors == [3, 70000, -1])
            #expect(ControlMessage(level: SOL_SOCKET, type: Self.scmCredentials, data: [1, 2, 3, 4]).fileDescriptors == nil)
        }

        @Test func scmRights_PassesAPipeOverASocketPair_AndTheCopyWorks() throws {
            let baseline = openDescriptorCount()
            let (a, b) = try unixPair()
            let (readEnd, writeEnd) = try Self.makePipe()
            b.timeout = testTimeout
            #expect(try a.sendMsg([bytes("fd")], control: [.fileDescriptors([writeEnd])]) == 2)
            Glibc.close(writeEnd)  // only the passed copy remains

            let message = try b.recvMsg(16, controlCapacity: 64)
            #expect(message.bytes == bytes("fd"))
            #expect(!message.flags.contains(.controlTruncated))
            let received = try #require(message.controlMessages.first?.fileDescriptors?.first)
            #expect(message.controlMessages.count == 1)
            #expect(isOpen(received))
            #expect(isCloseOnExec(received), "received descriptors are close-on-exec")

            #expect(write(received, "through the copy", 16) == 16)
            Glibc.close(received)
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = read(readEnd, &buffer, buffer.count)
            #expect(text(Array(buffer.prefix(max(count, 0)))) == "through the copy")
            #expect(read(readEnd, &buffer, buffer.count) == 0, "no writer is left open")
            Glibc.close(readEnd)
            a.close()
            b.close()
            #expect(openDescriptorCount() == baseline)
        }

        @Test func scmRights_PassesAConnectedSocket_ThatCanBeAdopted() throws {
            let (client, server) = try tcpPair()
            defer { server.close() }
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            b.timeout = testTimeout
            try a.sendMsg([bytes("s")], control: [.fileDescriptors([client.fileDescriptor])])
            client.close()

            let message = try b.recvMsg(1, controlCapacity: 64)
            let fd = try #require(message.controlMessages.first?.fileDescriptors?.first)
            let adopted = try Socket(adopting: fd)
            defer { adopted.close() }
            adopted.timeout = testTimeout
            #expect(adopted.family == .inet)
            #expect(adopted.type == .stream)
            try adopted.sendAll(bytes("via SCM_RIGHTS"))
            #expect(try server.recv(64) == bytes("via SCM_RIGHTS"))
        }

        @Test func scmRights_PassesSeveralDescriptorsInOneMessage() throws {
            let baseline = openDescriptorCount()
            let (a, b) = try unixPair(.datagram)
            let pipes = try (0..<3).map { _ in try Self.makePipe() }
            try a.sendMsg([bytes("3")], control: [.fileDescriptors(pipes.map(\.1))])
            let message = try b.recvMsg(8, controlCapacity: 128)
            let received = try #require(message.controlMessages.first?.fileDescriptors)
            #expect(received.count == 3)
            for (fd, pipe) in zip(received, pipes) {
                #expect(write(fd, "x", 1) == 1)
                var byte: UInt8 = 0
                #expect(read(pipe.0, &byte, 1) == 1)
                Glibc.close(fd)
            }
            for pipe in pipes {
                Glibc.close(pipe.0)
                Glibc.close(pipe.1)
            }
            a.close()
            b.close()
            #expect(openDescriptorCount() == baseline)
        }

        @Test func recvMsg_ReportsControlTruncation_AndLeaksNothing() throws {
            let baseline = openDescriptorCount()
            let (a, b) = try unixPair()
            let (readEnd, writeEnd) = try Self.makePipe()
            try a.sendMsg([bytes("x")], control: [.fileDescriptors([writeEnd, writeEnd, writeEnd])])
            // Room for the header and one descriptor only: the kernel closes the others.
            let message = try b.recvMsg(1, controlCapacity: 24)
            #expect(message.flags.contains(.controlTruncated))
            for fd in message.controlMessages.compactMap(\.fileDescriptors).joined() { Glibc.close(fd) }
            Glibc.close(readEnd)
            Glibc.close(writeEnd)
            a.close()
            b.close()
            #expect(openDescriptorCount() == baseline)
        }

        @Test func scmCredentials_AreAttached_WhenTheReceiverAsks() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            try b.setOption(level: SOL_SOCKET, name: SO_PASSCRED, value: 1)
            try a.send(bytes("who am i"))
            let message = try b.recvMsg(16, controlCapacity: 64)
            #expect(message.bytes == bytes("who am i"))
            let credentials = try #require(message.controlMessages.first(where: { $0.type == Self.scmCredentials }))
            #expect(credentials.level == SOL_SOCKET)
            #expect(Credentials(credentials.data) == Credentials(pid: getpid(), uid: getuid(), gid: getgid()))
        }

        @Test func sendMsg_SendsExplicitCredentials() throws {
            let (a, b) = try unixPair(.datagram)
            defer {
                a.close()
                b.close()
            }
            try b.setOption(level: SOL_SOCKET, name: SO_PASSCRED, value: 1)
            let mine = Credentials(pid: getpid(), uid: getuid(), gid: getgid())
            let control = ControlMessage(level: SOL_SOCKET, type: Self.scmCredentials, data: mine.bytes)
            try a.sendMsg([bytes("creds")], control: [control])
            let message = try b.recvMsg(16, controlCapacity: 64)
            #expect(message.controlMessages == [control])
        }
    }
}
