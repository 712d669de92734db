import TestSupport
import Testing

@testable import Sockets

extension AsyncTests {
    /// `Socket.echo()`: by the socket's owner the reactor receives and sends on each event
    /// while the task stays parked; by any other task, the task does.
    @Suite struct SocketEchoTests {
        @Test(arguments: [true, false])
        func echo_ReturnsEveryMessage_AndEndsAtEndOfStream(byTheOwner: Bool) async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let echoing = Task(executorPreference: AsyncTest.reactor) {
                if byTheOwner { a.claimOwnership() }
                try await a.echo()
            }
            for index in 0..<200 {
                let message = Array("message \(index)".utf8)
                try await b.write(message)
                #expect(try await b.read(exactly: message.count, deadline: AsyncTest.deadline()) == message)
            }
            try b.shutdown(.write)
            try await AsyncTest.withTimeout(.seconds(5), "the echo's return") { try await echoing.value }
        }

        @Test(arguments: [true, false])
        func echo_LosesNothing_WhenThePeerReadsOnlyAfterSendingEverything(byTheOwner: Bool) async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let echoing = Task(executorPreference: AsyncTest.reactor) {
                if byTheOwner { a.claimOwnership() }
                try await a.echo()
            }
            // Far more than both socket buffers: the echo must wait for this reader.
            let payload = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) }
            let writing = Task {
                try await b.write(payload)
                try b.shutdown(.write)
            }
            let echoed = try await b.read(exactly: payload.count, deadline: AsyncTest.deadline(.seconds(20)))
            #expect(echoed == payload)
            try await writing.value
            try await AsyncTest.withTimeout(.seconds(5), "the echo's return") { try await echoing.value }
        }

        @Test func ownersEcho_EndsWithClosed_WhenTheSocketIsClosedWhileItWaits() async throws {
            let (a, b) = try Socket.pair()
            defer { b.close() }
            let echoing = try await AsyncTest.startParked {
                a.claimOwnership()
                try await a.echo()
            }
            a.close()
            let error = try await AsyncTest.failure(of: echoing)
            #expect((error as? SocketError)?.kind == .closed, "\(error)")
        }

        @Test func ownersEcho_EndsWithCancellationError_WhenItsWaitsAreCancelled() async throws {
            let (a, b) = try Socket.pair()
            defer {
                a.close()
                b.close()
            }
            let echoing = try await AsyncTest.startParked {
                a.claimOwnership()
                try await a.echo()
            }
            try await b.write(Array("before".utf8))
            #expect(try await b.read(exactly: 6, deadline: AsyncTest.deadline()) == Array("before".utf8))
            a.cancelOwnerWaits()
            let error = try await AsyncTest.failure(of: echoing)
            #expect(error is CancellationError, "\(error)")
        }
    }
}
