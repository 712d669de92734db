import SocketsReactor
import SocketsSystem

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Creates a pair of connected sockets, e.g. to talk to a child or between threads.
    ///
    /// The corresponding C function is `socketpair`; Python: `socket.socketpair()`.
    public static func pair(
        _ family: SocketFamily = .unix, _ type: SocketType = .stream, protocol: SocketProtocol = .default
    ) throws(SocketError) -> (Socket, Socket) {
        let (first, second) = try Syscall.socketpair(
            family.rawValue, type.rawValue | Int32(SOCK_NONBLOCK.rawValue), `protocol`.rawValue
        ).get("socketpair")
        return (
            Socket(owning: first, family: family, type: type, protocol: `protocol`),
            Socket(owning: second, family: family, type: type, protocol: `protocol`)
        )
    }

    /// Connects a stream socket to `address` (`HOST:PORT`, `[V6]:PORT` or `unix:PATH`),
    /// trying every address the host resolves to until one accepts.
    ///
    /// - Parameters:
    ///   - address: `HOST:PORT`, `[V6]:PORT` or `unix:PATH`.
    ///   - timeout: Limits each connection attempt and stays set on the returned socket.
    ///   - sourceAddress: Bind to this local address first.
    /// - Throws: ``SocketError``: the first attempt's error when every attempt fails.
    ///
    /// Python: `socket.create_connection(address, timeout, source_address)`.
    public static func connect(
        to address: String, timeout: Duration? = nil, sourceAddress: SocketAddress? = nil
    ) throws(SocketError) -> Socket {
        try connect(to: Resolver.resolve(address, type: .stream), timeout: timeout, sourceAddress: sourceAddress)
    }

    /// Connects to the first of `addresses` that accepts; see ``connect(to:timeout:sourceAddress:)-(String,_,_)``.
    public static func connect(
        to addresses: [SocketAddress], timeout: Duration? = nil, sourceAddress: SocketAddress? = nil
    ) throws(SocketError) -> Socket {
        var firstError: SocketError?
        for address in addresses {
            do throws(SocketError) {
                let socket = try Socket(address.family, .stream)
                socket.timeout = timeout
                if let sourceAddress { try socket.bind(to: sourceAddress) }
                try socket.connect(to: address)
                return socket
            } catch {
                firstError = firstError ?? error
            }
        }
        throw firstError ?? SocketError(.nameResolution, operation: "connect", detail: "no addresses to connect to")
    }

    /// Creates a listening stream socket bound to `address` (`HOST:PORT`, `[V6]:PORT`,
    /// `unix:PATH`; port 0 picks a free port; the first resolved address is used).
    ///
    /// `SO_REUSEADDR` is set (except for Unix sockets), so a restarted server can bind at once.
    /// - Parameters:
    ///   - address: `HOST:PORT`, `[V6]:PORT` or `unix:PATH`.
    ///   - backlog: The accept queue length (default `SOMAXCONN`).
    ///   - reusePort: Set `SO_REUSEPORT`, so several servers can share the port.
    ///   - dualStack: For an IPv6 address, also accept IPv4 connections (`IPV6_V6ONLY` off).
    ///
    /// Python: `socket.create_server(address, backlog=, reuse_port=, dualstack_ipv6=)`.
    public static func listen(
        on address: String, backlog: Int = Int(SOMAXCONN), reusePort: Bool = false, dualStack: Bool = false
    ) throws(SocketError) -> Socket {
        guard let first = try Resolver.resolve(address, type: .stream, passive: true).first else {
            throw SocketError(.nameResolution, operation: "listen", detail: "\(address): no addresses")
        }
        return try listen(on: first, backlog: backlog, reusePort: reusePort, dualStack: dualStack)
    }

    /// ``listen(on:backlog:reusePort:dualStack:)-(String,_,_,_)`` for a numeric address.
    public static func listen(
        on address: SocketAddress, backlog: Int = Int(SOMAXCONN), reusePort: Bool = false, dualStack: Bool = false
    ) throws(SocketError) -> Socket {
        let socket = try Socket(address.family, .stream)
        if address.family != .unix { try socket.setOption(.reuseAddress, true) }
        if reusePort { try socket.setOption(.reusePort, true) }
        if address.family == .inet6 { try socket.setOption(.ipv6Only, !dualStack) }
        try socket.bind(to: address)
        try socket.listen(backlog: backlog)
        return socket
    }

    /// Creates a datagram socket bound to `address` (`HOST:PORT`, `[V6]:PORT`, `unix:PATH`).
    ///
    /// Python: `s = socket.socket(family, SOCK_DGRAM); s.bind(address)`.
    public static func bindDatagram(
        to address: String, reuseAddress: Bool = false
    ) throws(SocketError) -> Socket {
        guard let first = try Resolver.resolve(address, type: .datagram, passive: true).first else {
            throw SocketError(.nameResolution, operation: "bind", detail: "\(address): no addresses")
        }
        let socket = try Socket(first.family, .datagram)
        if reuseAddress { try socket.setOption(.reuseAddress, true) }
        try socket.bind(to: first)
        return socket
    }
}
