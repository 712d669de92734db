import SocketsReactor
import SocketsSystem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Accepts a connection, suspending until one arrives.
    ///
    /// `ECONNABORTED` (a client that gave up while queued) is skipped. Running out of
    /// descriptors throws kind `resourceExhausted`: the caller should back off (see ``Server``).
    /// - Throws: ``SocketError``, `CancellationError`.
    ///
    /// Python asyncio: `await loop.sock_accept(sock)`.
    public func accept(deadline: ContinuousClock.Instant? = nil) async throws -> (Socket, SocketAddress) {
        guard descriptor.acquire() else { throw SocketError(.closed, operation: "accept") }
        defer { descriptor.release() }
        let registration = try registration()
        let fd = descriptor.raw
        while true {
            let sequence = registration.sequence(.read)
            switch acceptOnce(fd) {
            case .success(let accepted):
                return accepted
            case .failure(.resourceTemporarilyUnavailable):
                try await registration.wait(for: .read, after: sequence, deadline: deadline, operation: "accept")
            case .failure(.connectionAbort):
                continue
            case .failure(let errno):
                throw SocketError("accept", errno: errno)
            }
        }
    }

    /// The connections arriving on a listening socket, as an async sequence.
    ///
    /// ```swift
    /// for try await (connection, peer) in listener.connections { … }
    /// ```
    public var connections: ConnectionSequence { ConnectionSequence(listener: self) }

    /// Connects to `address`, suspending until the handshake completes.
    ///
    /// - Throws: ``SocketError`` (`connectionRefused`, `timedOut` at `deadline`, …), `CancellationError`.
    ///
    /// Python asyncio: `await loop.sock_connect(sock, address)`.
    public func connect(to address: SocketAddress, deadline: ContinuousClock.Instant? = nil) async throws {
        guard descriptor.acquire() else { throw SocketError(.closed, operation: "connect", address: address) }
        defer { descriptor.release() }
        let registration = try registration()
        let sequence = registration.sequence(.write)
        guard case .wouldBlock = try startConnect(to: address) else { return }
        var observed = sequence
        while true {
            do {
                try await registration.wait(for: .write, after: observed, deadline: deadline, operation: "connect")
            } catch var error as SocketError {
                error.address = address
                error.operation = "connect"
                throw error
            }
            observed = registration.sequence(.write)
            if let errno = try pendingError() { throw SocketError("connect", errno: errno, address: address) }
            if case .success(let events) = Syscall.poll(descriptor.raw, events: Int16(POLLOUT), timeoutMilliseconds: 0),
                events != 0
            {
                return
            }
        }
    }

    /// Creates a stream socket and connects it to the first of `address`'s resolved
    /// addresses that accepts (`HOST:PORT`, `[V6]:PORT`, `unix:PATH`).
    ///
    /// Name resolution itself is blocking (getaddrinfo); numeric addresses skip it.
    /// - Throws: the first attempt's ``SocketError`` when all fail; `CancellationError`.
    ///
    /// Python asyncio: `await asyncio.open_connection(host, port)`.
    public static func connect(to address: String, deadline: ContinuousClock.Instant? = nil) async throws -> Socket {
        var firstError: (any Error)?
        for candidate in try Resolver.resolve(address, type: .stream) {
            let socket = try Socket(candidate.family, .stream)
            do {
                try await socket.connect(to: candidate, deadline: deadline)
                return socket
            } catch {
                socket.close()
                if error is CancellationError { throw error }
                firstError = firstError ?? error
            }
        }
        throw firstError ?? SocketError(.nameResolution, operation: "connect", detail: "\(address): no addresses")
    }
}

/// The connections accepted on a listening socket (``Socket/connections``).
public struct ConnectionSequence: AsyncSequence, Sendable {
    /// What the sequence yields.
    public typealias Element = (Socket, SocketAddress)
    /// The listening socket.
    public let listener: Socket

    /// Starts reading; the sequence is meant to be iterated once.

    public func makeAsyncIterator() -> Iterator { Iterator(listener: listener) }

    /// Accepts one connection per `next()`.
    public struct Iterator: AsyncIteratorProtocol {
        let listener: Socket

        /// The next element, or nil at the end.

        public mutating func next() async throws -> (Socket, SocketAddress)? {
            try await listener.accept()
        }
    }
}
