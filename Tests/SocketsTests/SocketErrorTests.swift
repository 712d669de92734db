import Sockets
import SystemPackage
import Testing

extension SocketTests {
    @Suite struct SocketErrorTests {
        @Test(arguments: [
            (Errno.timedOut, SocketError.Kind.timedOut),
            (.connectionRefused, .connectionRefused),
            (.connectionReset, .connectionReset),
            (.brokenPipe, .connectionReset),
            (.connectionAbort, .connectionAborted),
            (.addressInUse, .addressInUse),
            (.addressNotAvailable, .addressNotAvailable),
            (.resourceTemporarilyUnavailable, .wouldBlock),
            (.nowInProgress, .wouldBlock),
            (.badFileDescriptor, .closed),
            (.notPermitted, .permissionDenied),
            (.permissionDenied, .permissionDenied),
            (.tooManyOpenFiles, .resourceExhausted),
            (.tooManyOpenFilesInSystem, .resourceExhausted),
            (.noBufferSpace, .resourceExhausted),
            (.noMemory, .resourceExhausted),
            (.noRouteToHost, .unreachable),
            (.networkUnreachable, .unreachable),
            (.invalidArgument, .invalidArgument),
            (.noSuchFileOrDirectory, .other),
        ])
        func kind_IsDerivedFromTheErrno(errno: Errno, kind: SocketError.Kind) {
            let error = SocketError("op", errno: errno)
            #expect(error.kind == kind)
            #expect(error.errno == errno)
        }

        @Test func description_IsOperationAddressAndReason() {
            let refused = SocketError("connect", errno: .connectionRefused, address: .ipv4(.loopback, port: 9))
            #expect(refused.description == "connect 127.0.0.1:9: connection refused")
            #expect(refused.reason == "connection refused")
            #expect(refused.errnoName == "ECONNREFUSED")
            #expect(refused.detail == nil)
            let v6 = SocketError("bind", errno: .addressInUse, address: .ipv6(.loopback, port: 80))
            #expect(v6.description == "bind [::1]:80: address already in use")
            let unix = SocketError("connect", errno: .noSuchFileOrDirectory, address: .unix(path: "/tmp/s"))
            #expect(unix.description == "connect unix:/tmp/s: no such file or directory")
            #expect(SocketError("recv", errno: .connectionReset).description == "recv: connection reset by peer")
        }

        @Test func description_UsesTheDetailOrAReasonForTheKind_WithoutAnErrno() {
            #expect(SocketError(.timedOut, operation: "recv").description == "recv: timed out")
            #expect(SocketError(.closed, operation: "send").description == "send: socket is closed")
            #expect(SocketError(.wouldBlock, operation: "accept").description == "accept: operation would block")
            #expect(SocketError(.cancelled, operation: "recv").description == "recv: cancelled")
            #expect(SocketError(.messageTooLarge, operation: "readline").description == "readline: message too large")
            #expect(
                SocketError(.unexpectedEndOfStream, operation: "read").description
                    == "read: connection closed before the message was complete")
            #expect(SocketError(.other, operation: "x").description == "x: failed")
            let detailed = SocketError(
                .nameResolution, operation: "getaddrinfo", detail: "nosuch.invalid: Name or service not known")
            #expect(detailed.description == "getaddrinfo: nosuch.invalid: Name or service not known")
            #expect(detailed.errno == nil)
            #expect(detailed.errnoName == nil)
        }

        @Test func errors_AreEquatable() {
            #expect(SocketError("recv", errno: .connectionReset) == SocketError("recv", errno: .connectionReset))
            #expect(SocketError("recv", errno: .connectionReset) != SocketError("send", errno: .connectionReset))
            #expect(SocketError(.closed, operation: "recv") != SocketError(.timedOut, operation: "recv"))
        }
    }
}
