import Foundation
import TestSupport
import Testing

@testable import Sockets

extension AsyncTests {
    /// Async datagram sockets: `datagrams()` (recvmmsg batches), `receive(into:)`, `send(_:to:)`.
    @Suite struct AsyncDatagramTests {
        @Test(arguments: ["127.0.0.1", "[::1]"])
        func datagrams_DeliversABurst_InOrder_WithSenderTruncationAndEmptyOnes(host: String) async throws {
            let baseline = try await AsyncTest.descriptorBaseline()
            let receiver = try Socket.bindDatagram(to: "\(host):0")
            let client = try Socket.bindDatagram(to: "\(host):0")
            let receiverAddress = try receiver.localAddress()
            let clientAddress = try client.localAddress()
            let burst = (0..<100).map { AsyncTest.bytes("datagram \($0) from the burst") }
            let oversize = (0..<100).map { UInt8($0) }
            let expectedCount = burst.count + 2

            let collector = try await AsyncTest.startParked {
                var received: [Datagram] = []
                for try await datagram in receiver.datagrams(maximumSize: 64, batch: 16) {
                    received.append(datagram)
                    if received.count == expectedCount { break }
                }
                return received
            }
            try await onThread {
                for payload in burst { _ = try client.sendTo(payload, receiverAddress) }
                _ = try client.sendTo(oversize, receiverAddress)
                _ = try client.sendTo([UInt8](), receiverAddress)
            }
            let received = try await AsyncTest.withTimeout { try await collector.value }

            try #require(received.count == expectedCount)
            #expect(received.prefix(burst.count).map(\.bytes) == burst)
            #expect(received.allSatisfy { $0.address == clientAddress })
            #expect(received.prefix(burst.count).allSatisfy { !$0.isTruncated })
            #expect(received[burst.count].isTruncated)
            #expect(received[burst.count].bytes == Array(oversize.prefix(64)))
            #expect(received[burst.count + 1].bytes.isEmpty)
            #expect(!received[burst.count + 1].isTruncated)

            // And back: send(_:to:) reaches the blocking client.
            try await receiver.send(AsyncTest.bytes("reply"), to: clientAddress, deadline: AsyncTest.deadline())
            try await receiver.send([UInt8](), to: clientAddress, deadline: AsyncTest.deadline())
            client.timeout = .seconds(5)
            let (reply, replySender) = try await onThread { try client.recvFrom(100) }
            #expect(reply == AsyncTest.bytes("reply"))
            #expect(replySender == receiverAddress)
            let (empty, _) = try await onThread { try client.recvFrom(100) }
            #expect(empty.isEmpty)

            receiver.close()
            client.close()
            await AsyncTest.expectDescriptors(backTo: baseline)
        }

        @Test func datagrams_KeepEachSendersWholeAddress_WhenABatchEntryIsReused() async throws {
            let directory = try TemporaryDirectory("sockets-datagram-names")
            defer { directory.remove() }
            let receiver = try Socket.bindDatagram(to: "unix:\(directory.file("r"))")
            let short = try Socket.bindDatagram(to: "unix:\(directory.file("s"))")
            let long = try Socket.bindDatagram(to: "unix:\(directory.file(String(repeating: "l", count: 60)))")
            let other = try Socket.bindDatagram(to: "unix:\(directory.file(String(repeating: "m", count: 60)))")
            defer {
                receiver.close()
                short.close()
                long.close()
                other.close()
            }
            let receiverAddress = try receiver.localAddress()
            // One datagram per wake-up, so every one lands in the batch's first entry: the
            // short name must not cut the long one that follows it (where the bytes left
            // from the first long name would show).
            let senders = try await AsyncTest.withTimeout {
                var iterator = receiver.datagrams(maximumSize: 64, batch: 4).makeAsyncIterator()
                var senders: [SocketAddress] = []
                for sender in [long, short, other] {
                    _ = try await onThread { try sender.sendTo(AsyncTest.bytes("hi"), receiverAddress) }
                    senders.append(try #require(try await iterator.next()).address)
                }
                return senders
            }
            #expect(senders == [try long.localAddress(), try short.localAddress(), try other.localAddress()])
        }

        @Test func receive_TimesOut_ThenReceivesWithSenderAndTruncation() async throws {
            let receiver = try Socket.bindDatagram(to: "127.0.0.1:0")
            let client = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer {
                receiver.close()
                client.close()
            }
            let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 1)
            defer { memory.deallocate() }
            let buffer = AsyncSendableBuffer(memory)

            let start = ContinuousClock.now
            let error = try await AsyncTest.withTimeout {
                await #expect(throws: SocketError.self) {
                    _ = try await receiver.receive(into: buffer.pointer, deadline: start + .milliseconds(50))
                }
            }
            #expect(error?.kind == .timedOut)
            #expect(ContinuousClock.now - start >= .milliseconds(50))

            let waiting = try await AsyncTest.startParked {
                let (count, sender, truncated) = try await receiver.receive(into: buffer.pointer)
                return (count, sender, truncated, Array(buffer.pointer[..<count]))
            }
            _ = try client.sendTo(AsyncTest.bytes("0123456789"), try receiver.localAddress())
            let (count, sender, truncated, bytes) = try await AsyncTest.withTimeout { try await waiting.value }
            #expect(count == 8)
            #expect(truncated)
            #expect(bytes == AsyncTest.bytes("01234567"))
            #expect(sender == (try client.localAddress()))
        }

        @Test func datagrams_Cancelled_ThrowsCancellationError() async throws {
            let receiver = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { receiver.close() }
            let collector = try await AsyncTest.startParked {
                for try await _ in receiver.datagrams() {}
            }
            collector.cancel()
            #expect(try await AsyncTest.failure(of: collector, within: .seconds(2)) is CancellationError)
        }

        @Test func datagrams_Closed_ThrowsClosed() async throws {
            let receiver = try Socket.bindDatagram(to: "127.0.0.1:0")
            let collector = try await AsyncTest.startParked {
                for try await _ in receiver.datagrams() {}
            }
            receiver.close()
            let error = try await AsyncTest.failure(of: collector, within: .seconds(2))
            #expect((error as? SocketError)?.kind == .closed, "\(error)")
        }
    }
}

/// A buffer the test owns and hands to one task at a time.
struct AsyncSendableBuffer: @unchecked Sendable {
    let pointer: UnsafeMutableRawBufferPointer
    init(_ pointer: UnsafeMutableRawBufferPointer) { self.pointer = pointer }
}
