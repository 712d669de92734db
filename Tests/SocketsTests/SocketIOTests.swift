import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SocketTests {
    @Suite struct SocketIOTests {
        // MARK: recv

        @Test(arguments: [SocketFamily.inet, .inet6, .unix])
        func recv_ReturnsAtMostMaxBytes_AndEmptyAtEndOfStream(family: SocketFamily) throws {
            try requireLoopback(family)
            let (a, b) = try streamPair(family)
            defer {
                a.close()
                b.close()
            }
            try a.sendAll(bytes("0123456789"))
            try a.shutdown(.write)
            var received: [UInt8] = []
            let first = try b.recv(4)
            #expect(!first.isEmpty && first.count <= 4)
            received += first
            while true {
                let chunk = try b.recv(100)
                if chunk.isEmpty { break }
                received += chunk
            }
            #expect(received == bytes("0123456789"))
            #expect(try b.recv(100) == [], "end of stream stays end of stream")
        }

        @Test func recvInto_FillsTheBuffer_AndReturnsTheCount() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            try a.sendAll(bytes("abcdef"))
            var buffer = [UInt8](repeating: 0, count: 4)
            let count = try buffer.withUnsafeMutableBytes { try b.recv(into: $0) }
            #expect(count == 4)
            #expect(buffer == bytes("abcd"))
            let rest = try buffer.withUnsafeMutableBytes { try b.recv(into: $0) }
            #expect(rest == 2)
            #expect(Array(buffer.prefix(2)) == bytes("ef"))
        }

        @Test func tryRecv_ReturnsWouldBlock_WhenNothingIsQueued_EvenInBlockingMode() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            #expect(b.isBlocking)
            var buffer = [UInt8](repeating: 0, count: 16)
            #expect(try buffer.withUnsafeMutableBytes { try b.tryRecv(into: $0) } == .wouldBlock)
            try a.sendAll(bytes("hi"))
            #expect(try buffer.withUnsafeMutableBytes { try b.tryRecv(into: $0) } == .completed(2))
            #expect(Array(buffer.prefix(2)) == bytes("hi"))
            a.close()
            #expect(try buffer.withUnsafeMutableBytes { try b.tryRecv(into: $0) } == .completed(0), "end of stream")
        }

        @Test func tryRecv_ReturnsData_OverTCP_OnceReadable() throws {
            let (client, server) = try tcpPair()
            defer {
                client.close()
                server.close()
            }
            var buffer = [UInt8](repeating: 0, count: 16)
            #expect(try buffer.withUnsafeMutableBytes { try server.tryRecv(into: $0) } == .wouldBlock)
            try client.sendAll(bytes("tcp"))
            try waitReadable(server)
            #expect(try buffer.withUnsafeMutableBytes { try server.tryRecv(into: $0) } == .completed(3))
        }

        @Test func recv_WithPeek_LeavesTheDataQueued() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            try a.sendAll(bytes("peekaboo"))
            #expect(try b.recv(4, flags: .peek) == bytes("peek"))
            #expect(try b.recv(4, flags: .peek) == bytes("peek"))
            #expect(try b.recv(8) == bytes("peekaboo"))
        }

        @Test func recv_WithWaitAll_WaitsForTheWholeBuffer() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            b.timeout = testTimeout
            try a.sendAll(bytes("abc"))
            let reader = BackgroundThread { try b.recv(6, flags: .waitAll) }
            try reader.waitUntilBlockedInPoll()
            try a.sendAll(bytes("def"))
            #expect(try reader.join() == bytes("abcdef"))
        }

        @Test func recv_WithWaitAll_ReturnsWhatArrived_AtEndOfStream() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            try a.sendAll(bytes("abc"))
            try a.shutdown(.write)
            #expect(try b.recv(6, flags: .waitAll) == bytes("abc"))
        }

        @Test func recv_WithOutOfBand_ReadsTheUrgentByte() throws {
            let (client, server) = try tcpPair()
            defer {
                client.close()
                server.close()
            }
            try client.send(bytes("a"))
            try client.send(bytes("!"), flags: .outOfBand)
            try waitReadable(server)
            #expect(try server.recv(1, flags: .outOfBand) == bytes("!"))
            #expect(try server.recv(10) == bytes("a"))
        }

        // MARK: send

        @Test func send_ReturnsTheCountTheKernelTook() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            #expect(try a.send(bytes("hello")) == 5)
            #expect(try bytes("raw").withUnsafeBytes { try a.send($0) } == 3)
            #expect(try b.recv(16) == bytes("helloraw"))
            let big = [UInt8](repeating: 1, count: 4 << 20)
            let taken = try a.send(big)
            #expect(taken > 0 && taken < big.count, "a single send takes what fits, not 4 MiB")
        }

        @Test func send_AcceptsAnySequence() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            try a.send("text".utf8)
            try a.send((UInt8(48)...UInt8(50)).lazy.map { $0 })
            try a.sendAll([UInt8](repeating: 65, count: 2)[...])
            #expect(try b.recv(64) == bytes("text012AA"))
        }

        @Test func trySend_ReturnsWouldBlock_WhenTheBufferIsFull_AndCompletesAfterTheReaderDrains() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            let block = [UInt8](repeating: 9, count: 64 * 1024)
            var sent = 0
            var full = false
            for _ in 0..<10_000 {
                let result = try block.withUnsafeBytes { try a.trySend($0) }
                guard case .completed(let count) = result else {
                    full = true
                    break
                }
                sent += count
            }
            #expect(full, "the socket buffer filled up after \(sent) bytes")
            var drained = 0
            while drained < sent {
                drained += try b.recv(1 << 20).count
            }
            #expect(drained == sent)
            #expect(try block.withUnsafeBytes { try a.trySend($0) } != .wouldBlock)
        }

        @Test func send_WithMoreAndDoNotRoute_Delivers() throws {
            let (client, server) = try tcpPair()
            defer {
                client.close()
                server.close()
            }
            try client.send(bytes("ab"), flags: .more)
            try client.send(bytes("cd"), flags: .doNotRoute)
            try client.shutdown(.write)
            let received = try BufferedSocket(server).readToEnd(maximumLength: 100)
            #expect(received == bytes("abcd"))
        }

        @Test func sendAll_OfNothing_ReturnsAtOnce() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            try a.sendAll([UInt8]())
            try a.sendAll(bytes("x"))
            #expect(try b.recv(16) == bytes("x"))
        }

        @Test func sendAll_Delivers32MiBIntact_ToASlowReader() throws {
            // 32 MiB; every 4-byte word differs, so any loss, duplication or reordering shows.
            let words = Array(0..<UInt32(8 << 20))
            let listener = try Socket(.inet, .stream)
            defer { listener.close() }
            listener.timeout = testTimeout
            try listener.setOption(.receiveBufferSize, 4096)  // inherited by the accepted socket
            try listener.bind(to: loopback(.inet))
            try listener.listen()
            let client = try Socket()
            defer { client.close() }
            client.timeout = .seconds(60)
            try client.setOption(.sendBufferSize, 4096)
            try client.connect(to: listener.localAddress())
            let (server, _) = try listener.accept()
            defer { server.close() }
            server.timeout = testTimeout
            #expect(try server.option(.receiveBufferSize) <= 16384)

            let reader = BackgroundThread { () -> (count: Int, firstMismatch: Int?) in
                var buffer = [UInt8](repeating: 0, count: 1500)
                var total = 0
                var mismatch: Int?
                try words.withUnsafeBytes { expected in
                    while true {
                        let count = try buffer.withUnsafeMutableBytes { try server.recv(into: $0) }
                        if count == 0 { break }
                        if mismatch == nil {
                            if total + count > expected.count || memcmp(expected.baseAddress! + total, buffer, count) != 0 {
                                mismatch = total
                            }
                        }
                        total += count
                    }
                }
                return (total, mismatch)
            }
            try words.withUnsafeBytes { try client.sendAll($0) }
            try client.shutdown(.write)
            let (count, mismatch) = try reader.join(timeout: .seconds(60))
            #expect(count == 32 << 20)
            #expect(mismatch == nil, "the stream differs from what was sent at byte \(mismatch ?? 0)")
        }

        // MARK: messages

        @Test func sendMsg_GathersBuffersIntoOneStream() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            #expect(try a.sendMsg([bytes("ab"), [], bytes("c"), bytes("def")]) == 6)
            #expect(try b.recv(16) == bytes("abcdef"))
        }

        /// The most buffers the kernel takes in one call (`IOV_MAX`) go out as one datagram.
        @Test func sendMsg_SendsIOVMaxBuffers_AsOneDatagram() throws {
            let (a, b) = try unixPair(.datagram)
            defer {
                a.close()
                b.close()
            }
            let limit = Int(sysconf(Int32(_SC_IOV_MAX)))
            try #require(limit > 0)
            let buffers = (0..<limit).map { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
            #expect(try a.sendMsg(buffers) == 2 * limit)
            #expect(try b.recv(4 * limit) == buffers.flatMap { $0 }, "one datagram, the buffers in order")
        }

        /// 100 000 buffers must neither exhaust the stack (one nested closure per buffer once
        /// did) nor go out in part: past `IOV_MAX` the call fails with `EMSGSIZE`, as Python's
        /// `sendmsg` raises `OSError(EMSGSIZE)`, and sends nothing.
        @Test func sendMsg_ThrowsMessageTooLong_WithoutSending_ForMoreBuffersThanIOVMax() throws {
            let (a, b) = try unixPair(.datagram)
            defer {
                a.close()
                b.close()
            }
            let buffers = [[UInt8]](repeating: [7], count: 100_000)
            let error = expectSocketError(.other) { _ = try a.sendMsg(buffers) }
            #expect(error?.errnoName == "EMSGSIZE")
            #expect(error?.operation == "sendmsg")
            var byte: UInt8 = 0
            #expect(try withUnsafeMutableBytes(of: &byte) { try b.tryRecv(into: $0) } == .wouldBlock, "nothing was sent")
        }

        @Test func recvMsg_ReturnsDataAndNoFlags_OnAStream() throws {
            let (client, server) = try tcpPair()
            defer {
                client.close()
                server.close()
            }
            try client.sendAll(bytes("message"))
            let message = try server.recvMsg(64)
            #expect(message.bytes == bytes("message"))
            #expect(!message.isTruncated)
            #expect(message.flags == [])
            #expect(message.controlMessages.isEmpty)
            client.close()
            #expect(try server.recvMsg(64).bytes == [], "end of stream")
        }

        @Test func messageFlags_AreTheCConstants() {
            #expect(MessageFlags.peek.rawValue == Int32(MSG_PEEK))
            #expect(MessageFlags.waitAll.rawValue == Int32(MSG_WAITALL))
            #expect(MessageFlags.outOfBand.rawValue == Int32(MSG_OOB))
            #expect(MessageFlags.doNotRoute.rawValue == Int32(MSG_DONTROUTE))
            #expect(MessageFlags.more.rawValue == Int32(MSG_MORE))
            #expect(MessageFlags.truncated.rawValue == Int32(MSG_TRUNC))
            #expect(MessageFlags.controlTruncated.rawValue == Int32(MSG_CTRUNC))
            #expect(MessageFlags.endOfRecord.rawValue == Int32(MSG_EOR))
            #expect(MessageFlags([.peek, .waitAll]).rawValue == Int32(MSG_PEEK) | Int32(MSG_WAITALL))
        }

        @Test func ioResult_ComparesByValue() {
            #expect(IOResult.completed(3) == .completed(3))
            #expect(IOResult.completed(3) != .completed(4))
            #expect(IOResult<Int>.wouldBlock == .wouldBlock)
            #expect(IOResult.completed(0) != .wouldBlock)
        }
    }
}
