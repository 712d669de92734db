import Sockets
import TestSupport
import Testing

extension SocketTests {
    @Suite struct BufferedSocketTests {
        /// A buffered reader over one end of a Unix stream pair, the other end having sent
        /// `input` and, when `end` is set, half-closed.
        static func reader(
            for input: String, chunkSize: Int = 64 * 1024, end: Bool = true
        ) throws -> (BufferedSocket, Socket) {
            let (writer, readerSocket) = try unixPair()
            readerSocket.timeout = testTimeout
            try writer.sendAll(bytes(input))
            if end { try writer.shutdown(.write) }
            return (BufferedSocket(readerSocket, chunkSize: chunkSize), writer)
        }

        @Test(arguments: [1, 2, 3, 5, 7, 64 * 1024])
        func readLine_SplitsLines_AcrossChunkBoundaries(chunkSize: Int) throws {
            let (reader, writer) = try Self.reader(for: "hello\nworld\r\n\nlast without newline", chunkSize: chunkSize)
            defer {
                writer.close()
                reader.socket.close()
            }
            #expect(try reader.readLine() == bytes("hello"))
            #expect(try reader.readLine() == bytes("world"), "\\r\\n ends a line too")
            #expect(try reader.readLine() == [], "an empty line")
            #expect(try reader.readLine() == bytes("last without newline"))
            #expect(try reader.readLine() == nil, "end of stream")
            #expect(try reader.readLine() == nil)
        }

        @Test func readLine_KeepsACarriageReturn_ThatIsNotBeforeTheNewline() throws {
            let (reader, writer) = try Self.reader(for: "a\rb\n\r\n\r", chunkSize: 2)
            defer {
                writer.close()
                reader.socket.close()
            }
            #expect(try reader.readLine() == bytes("a\rb"))
            #expect(try reader.readLine() == [])
            #expect(try reader.readLine() == bytes("\r"))
            #expect(try reader.readLine() == nil)
        }

        @Test func readLine_WaitsForTheRestOfALine_SentLater() throws {
            let (writer, socket) = try unixPair()
            defer {
                writer.close()
                socket.close()
            }
            socket.timeout = testTimeout
            try writer.sendAll(bytes("par"))
            let line = BackgroundThread { () -> ([UInt8]?, Int) in
                let reader = BufferedSocket(socket, chunkSize: 4)
                return (try reader.readLine(), reader.bufferedCount)
            }
            try line.waitUntilBlockedInPoll()
            try writer.sendAll(bytes("tial\nnext"))
            let (text, buffered) = try line.join()
            #expect(text == bytes("partial"))
            #expect(buffered > 0 && buffered <= 4, "what came after the line stays buffered")
        }

        @Test(arguments: [1, 3, 6, 64 * 1024])
        func readLine_AcceptsALineOfExactlyMaxLength(chunkSize: Int) throws {
            let (reader, writer) = try Self.reader(for: "12345\n12345\r\n", chunkSize: chunkSize)
            defer {
                writer.close()
                reader.socket.close()
            }
            #expect(try reader.readLine(maximumLength: 5) == bytes("12345"))
            #expect(try reader.readLine(maximumLength: 5) == bytes("12345"))
        }

        @Test(arguments: [1, 4, 64 * 1024])
        func readLine_ThrowsMessageTooLarge_ForALongerLine(chunkSize: Int) throws {
            let (reader, writer) = try Self.reader(for: "123456\nshort\n", chunkSize: chunkSize)
            defer {
                writer.close()
                reader.socket.close()
            }
            let error = expectSocketError(.messageTooLarge) { _ = try reader.readLine(maximumLength: 5) }
            #expect(error?.description == "readline: more than 5 bytes")
        }

        @Test func readLine_ThrowsMessageTooLarge_WithoutWaitingForANewlineThatMayNeverCome() throws {
            // No newline and no end of stream: the limit must end the wait, not the timeout.
            let (reader, writer) = try Self.reader(for: "0123456789", chunkSize: 4, end: false)
            defer {
                writer.close()
                reader.socket.close()
            }
            expectSocketError(.messageTooLarge) { _ = try reader.readLine(maximumLength: 5) }
        }

        @Test func readLine_ThrowsTimedOut_WhenTheLineDoesNotCome() throws {
            let (reader, writer) = try Self.reader(for: "no newline", end: false)
            defer {
                writer.close()
                reader.socket.close()
            }
            reader.socket.timeout = .milliseconds(50)
            let (elapsed, error) = measure { _ = try reader.readLine() }
            #expect(error?.kind == .timedOut)
            #expect(elapsed >= .milliseconds(50))
        }

        @Test(arguments: [1, 3, 64 * 1024])
        func readExactly_ReturnsExactCounts_AcrossChunks(chunkSize: Int) throws {
            let (reader, writer) = try Self.reader(for: "abcdefghij", chunkSize: chunkSize)
            defer {
                writer.close()
                reader.socket.close()
            }
            #expect(try reader.read(exactly: 0) == [])
            #expect(try reader.read(exactly: 3) == bytes("abc"))
            #expect(try reader.read(exactly: 7) == bytes("defghij"))
            #expect(try reader.read(exactly: 0) == [])
        }

        @Test func readExactly_ThrowsUnexpectedEndOfStream_WhenTheStreamEndsEarly() throws {
            let (reader, writer) = try Self.reader(for: "abc", chunkSize: 2)
            defer {
                writer.close()
                reader.socket.close()
            }
            let error = expectSocketError(.unexpectedEndOfStream) { _ = try reader.read(exactly: 10) }
            #expect(error?.description == "read: stream ended after 3 of 10 bytes")
        }

        @Test func readExactly_ReadsALargeBlock() throws {
            let (writer, socket) = try unixPair()
            defer {
                writer.close()
                socket.close()
            }
            socket.timeout = testTimeout
            let block = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let sender = BackgroundThread { try writer.sendAll(block) }
            let reader = BufferedSocket(socket, chunkSize: 1000)
            #expect(try reader.read(exactly: block.count) == block)
            try sender.join()
        }

        @Test func readUpTo_ReturnsBufferedBytesFirst_ThenReceivesOnce() throws {
            let (reader, writer) = try Self.reader(for: "line\nrest of it", chunkSize: 64)
            defer {
                writer.close()
                reader.socket.close()
            }
            #expect(try reader.readLine() == bytes("line"))
            #expect(reader.bufferedCount == 10)
            #expect(try reader.read(upTo: 4) == bytes("rest"))
            #expect(try reader.read(upTo: 100) == bytes(" of it"))
            #expect(try reader.read(upTo: 100) == [], "end of stream")
        }

        @Test func readToEnd_ReturnsEverythingUntilTheEnd_WithinTheLimit() throws {
            let (reader, writer) = try Self.reader(for: "first\nsecond\nthird", chunkSize: 4)
            defer {
                writer.close()
                reader.socket.close()
            }
            #expect(try reader.readLine() == bytes("first"))
            #expect(try reader.readToEnd(maximumLength: 12) == bytes("second\nthird"))
            #expect(try reader.readToEnd(maximumLength: 12) == [])
        }

        @Test(arguments: [1, 4, 64 * 1024])
        func readToEnd_ThrowsMessageTooLarge_PastTheLimit(chunkSize: Int) throws {
            let (reader, writer) = try Self.reader(for: "0123456789", chunkSize: chunkSize)
            defer {
                writer.close()
                reader.socket.close()
            }
            let error = expectSocketError(.messageTooLarge) { _ = try reader.readToEnd(maximumLength: 9) }
            #expect(error?.description == "read: more than 9 bytes")
        }

        @Test func readToEnd_AcceptsExactlyTheLimit() throws {
            let (reader, writer) = try Self.reader(for: "0123456789", chunkSize: 3)
            defer {
                writer.close()
                reader.socket.close()
            }
            #expect(try reader.readToEnd(maximumLength: 10) == bytes("0123456789"))
        }

        @Test func mixedReads_ShareOneBuffer() throws {
            let (reader, writer) = try Self.reader(for: "HEAD 5\r\nbody!tail", chunkSize: 3)
            defer {
                writer.close()
                reader.socket.close()
            }
            #expect(try reader.readLine() == bytes("HEAD 5"))
            #expect(try reader.read(exactly: 5) == bytes("body!"))
            #expect(try reader.readToEnd(maximumLength: 100) == bytes("tail"))
        }

        @Test func write_Buffers_UntilFlush() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            b.timeout = testTimeout
            let writer = BufferedSocket(a, chunkSize: 16)
            try writer.write(bytes("abc"))
            try writer.write(bytes("def"))
            var buffer = [UInt8](repeating: 0, count: 64)
            #expect(try buffer.withUnsafeMutableBytes { try b.tryRecv(into: $0) } == .wouldBlock, "nothing sent before flush")
            try writer.flush()
            #expect(try b.recv(64) == bytes("abcdef"))
            try writer.flush()  // nothing queued: nothing sent
            #expect(try buffer.withUnsafeMutableBytes { try b.tryRecv(into: $0) } == .wouldBlock)
        }

        @Test func write_SendsByItself_OnceAChunkIsQueued() throws {
            let (a, b) = try unixPair()
            defer {
                a.close()
                b.close()
            }
            b.timeout = testTimeout
            let writer = BufferedSocket(a, chunkSize: 8)
            try writer.write(bytes("0123456789"))
            #expect(try b.recv(64) == bytes("0123456789"))
            #expect(writer.chunkSize == 8)
            #expect(writer.socket === a)
        }

        @Test func write_ThrowsConnectionReset_WhenThePeerIsGone() throws {
            let (a, b) = try unixPair()
            defer { a.close() }
            b.close()
            let writer = BufferedSocket(a)
            try writer.write(bytes("queued"))
            expectSocketError(.connectionReset) { try writer.flush() }
        }
    }
}
