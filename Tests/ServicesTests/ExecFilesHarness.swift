import Foundation
import Framing
import Logging
import Services
import Sockets
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Helpers of the exec and files suites: a service on an in-process ``Server``, and a
/// blocking JSON-header client that runs on a thread of its own.
enum ExecFilesHarness {
    /// The timeout of every client socket, so that no wait is unbounded.
    static let socketTimeout: Duration = .seconds(10)

    /// Runs `service` on a server listening on `address` (a free loopback port by
    /// default), calls `body` with the address clients connect to, then shuts it down.
    static func withServer<T: Sendable>(
        _ service: some StreamService, listeningOn address: String = "127.0.0.1:0",
        _ body: (SocketAddress) async throws -> T
    ) async throws -> T {
        let listener = try Socket.listen(on: address)
        let bound = try listener.localAddress()
        let server = Server(
            listeners: [listener],
            configuration: ServerConfiguration(idleTimeout: .seconds(30), gracePeriod: .milliseconds(500)),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
            handler: service.serve)
        // On the reactor, so that the server never waits for a cooperative thread
        // that a blocked client might hold.
        let running = Task(executorPreference: Reactor.shared) { await server.run() }
        defer { server.shutdown() }
        let result = try await body(bound)
        server.shutdown()
        await running.value
        return result
    }

    /// Runs blocking client code on a new thread and waits for it without blocking a
    /// cooperative thread.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }

    /// A new, empty directory under the system's temporary directory.
    static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/sockets-test-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { throw HarnessError("mkdtemp failed") }
        return String(cString: path)
    }

    /// Removes a directory tree made by ``makeTemporaryDirectory()``.
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Polls `condition` until it holds or `limit` passes; returns whether it held.
    static func eventually(within limit: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// `count` pseudo-random bytes, the same for the same seed.
    static func bytes(count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            var index = 0
            while index < count {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                withUnsafeBytes(of: state) { word in
                    let piece = min(8, count - index)
                    buffer[index..<index + piece].copyBytes(from: word[..<piece])
                }
                index += 8
            }
        }
        return bytes
    }
}

/// A failure of the harness itself.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A blocking client of JSON-header protocols, for tests: sends headers (encoded, or
/// raw bytes) with bodies, and reads whole response messages.
final class JSONHeaderTestClient {
    let socket: Socket
    private var decoder = JSONHeaderDecoder(maximumBodyLength: 64 * 1024 * 1024)

    init(_ address: SocketAddress) throws {
        socket = try Socket(address.family, .stream)
        socket.timeout = ExecFilesHarness.socketTimeout
        try socket.connect(to: address)
    }

    deinit { socket.close() }

    /// Sends a header encoded from `header` and a body; the header gets `size` when the
    /// body is not empty and the header has none.
    func send(_ header: some Encodable, body: [UInt8] = []) throws {
        let message = try JSONHeaderMessage(header: header, body: body)
        var bytes: [UInt8] = []
        try LengthPrefixedEncoder(.length).encode(message.header, into: &bytes)
        try socket.sendAll(bytes + body)
    }

    /// Sends the raw bytes of a header (its length is prefixed), then `body` as it is.
    func send(rawHeader: String, body: [UInt8] = []) throws {
        var bytes: [UInt8] = []
        try LengthPrefixedEncoder(.length).encode(Array(rawHeader.utf8), into: &bytes)
        try socket.sendAll(bytes + body)
    }

    /// The next response, or `nil` when the server closed the connection.
    func receive() throws -> JSONHeaderMessage? {
        try socket.recvMessage(&decoder)
    }

    /// The next response's header decoded as `type`, and its body.
    func receive<Header: Decodable>(_ type: Header.Type) throws -> (header: Header, body: [UInt8]) {
        guard let message = try receive() else { throw HarnessError("the server closed the connection") }
        return (try message.decodeHeader(type), message.body)
    }

    /// Whether the server closed the connection (after any responses still unread).
    func isClosedByServer() throws -> Bool {
        try receive() == nil
    }
}
