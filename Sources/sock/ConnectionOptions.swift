import ArgumentParser
import Foundation
import Sockets

/// The options client commands share (SPEC §5), netcat's everyday switches: `-v`,
/// `-w`, `--source`, `-4`/`-6` (with ``HexFlag``'s `--hex`, and ``ByteOptions``'
/// `--crlf` where the client's bytes are a plain stream).
struct ConnectionOptions: ParsableArguments {
    @Flag(
        name: [.customShort("v"), .long],
        help: "On stderr: addresses and connect time; at the end bytes each way and TCP_INFO (state, rtt, cwnd).")
    var verbose = false

    @Option(
        name: [.customShort("w"), .long],
        help: "Seconds to wait for the connection, and for anything to be sent or received on it.")
    var timeout: Double?

    @Option(help: "Bind to this local address before connecting: HOST:PORT, or HOST alone (any port).")
    var source: String?

    @Flag(name: .customShort("4"), help: "Use IPv4 addresses only.")
    var ipv4Only = false

    @Flag(name: .customShort("6"), help: "Use IPv6 addresses only.")
    var ipv6Only = false

    func validate() throws {
        if ipv4Only && ipv6Only { throw ValidationError("-4 and -6 exclude each other") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be positive") }
    }

    /// The family `-4` or `-6` asks for; `.unspecified` without them.
    var family: SocketFamily { ipv4Only ? .inet : ipv6Only ? .inet6 : .unspecified }

    /// `-w` as a duration; nil without it.
    var timeoutDuration: Duration? { timeout.map { .milliseconds(Int64($0 * 1000)) } }

    /// A trace of the connection for `-v` and `--hex`.
    func makeTrace(hex: Bool) -> ConnectionTrace {
        ConnectionTrace(verbose: verbose, hex: hex)
    }

    /// Connects a socket of `type` to `address` as the options say: addresses of the
    /// family asked, bound to `--source` first, within `-w` (which stays set on the
    /// socket, for every later call); `-v` reports on `trace`.
    ///
    /// - Throws: ``SocketError`` (the first attempt's when every address fails).
    func connect(to address: String, type: SocketType = .stream, trace: ConnectionTrace) throws(SocketError) -> Socket {
        var targets = try Resolver.resolve(address, type: type, family: family)
        trace.resolved(address, to: targets)
        let local = try sourceAddress(type: type)
        if let local { targets = targets.filter { $0.family == local.family } }
        guard !targets.isEmpty else {
            throw SocketError(
                .nameResolution, operation: "connect", detail: "\(address): no address of the family of \(source ?? "")")
        }
        let start = ContinuousClock.now
        var firstError: SocketError?
        for target in targets {
            do throws(SocketError) {
                let socket = try Socket(target.family, type)
                socket.timeout = timeoutDuration
                if let local {
                    try socket.bind(to: local)
                } else if type == .datagram && target.family == .unix {
                    // A Unix datagram client needs a name of its own for replies to reach it.
                    try socket.bind(to: .unixAbstract(name: Array("sock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))".utf8)))
                }
                try socket.connect(to: target)
                trace.connected(socket, after: ContinuousClock.now - start)
                return socket
            } catch {
                firstError = firstError ?? error
            }
        }
        throw firstError!
    }

    /// `--source` resolved for binding; nil without it. `HOST` alone means any port.
    func sourceAddress(type: SocketType) throws(SocketError) -> SocketAddress? {
        guard let source else { return nil }
        let bare = source.trimmingCharacters(in: ["[", "]"])
        let text =
            if IPv6Address(bare) != nil {
                "[\(bare)]:0"
            } else if source.contains(":") {
                source
            } else {
                source + ":0"
            }
        guard let first = try Resolver.resolve(text, type: type, family: family, passive: true).first else {
            throw SocketError(.nameResolution, operation: "bind", detail: "\(source): no addresses")
        }
        return first
    }
}
