import ArgumentParser
import Foundation
import Sockets

/// `sock probe HOST PORTS`: which TCP ports accept a connection (netcat's `-z`; SPEC §5).
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Tell which TCP ports of a host accept connections, like nc -z.",
        discussion: """
            Prints one line per port, in port order: PORT open (it accepted), PORT closed \
            (refused) or PORT filtered (no answer within the timeout, or unreachable). \
            Ports are tried concurrently. Exits 0 if any port is open, 1 otherwise.

            Examples:
                sock probe 127.0.0.1 22,80,8000-8010
                sock probe example.org http,https -w 1
            """
    )

    /// How many connection attempts run at once.
    static let concurrentAttempts = 64

    /// What a connection attempt found.
    enum PortState: String {
        case open, closed, filtered
    }

    @Argument(help: "The host: a name, an IPv4 address or an IPv6 address (with or without brackets).")
    var host: String

    @Argument(help: "Ports, comma-separated: numbers, ranges LOW-HIGH and service names (22,80,8000-8010,https).")
    var ports: String

    @Option(name: [.customShort("w"), .long], help: "Seconds to wait for each port's answer.")
    var timeout: Double = 3

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        _ = try PortList(parsing: ports)
    }

    func run() async throws {
        let ports = try PortList(parsing: self.ports).ports
        let target = try Self.resolve(host)
        let limit = Duration.milliseconds(Int64(timeout * 1000))
        var states = [PortState?](repeating: nil, count: ports.count)
        var printed = 0
        try await withThrowingTaskGroup(of: (Int, PortState).self) { group in
            var next = 0
            func startNext() {
                guard next < ports.count else { return }
                let index = next
                let address = target.withPort(ports[index])
                group.addTask { (index, try await Self.probe(address, within: limit)) }
                next += 1
            }
            for _ in 0..<Self.concurrentAttempts { startNext() }
            while let (index, state) = try await group.next() {
                states[index] = state
                while printed < ports.count, let ready = states[printed] {
                    print("\(ports[printed]) \(ready.rawValue)")
                    printed += 1
                }
                startNext()
            }
        }
        if !states.contains(.open) { throw ExitCode.failure }
    }

    /// The first address `host` resolves to (port 0).
    private static func resolve(_ host: String) throws -> SocketAddress {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard let first = try Resolver.addressInfo(host: bare, type: .stream).first else {
            throw CommandFailure("\(host): no addresses")
        }
        return first.address
    }

    /// Connects to `address` and closes at once: open, closed (refused) or filtered
    /// (no answer in time, or unreachable). Other failures (out of descriptors) are thrown.
    private static func probe(_ address: SocketAddress, within limit: Duration) async throws -> PortState {
        let socket = try Socket(address.family, .stream)
        defer { socket.close() }
        do {
            try await socket.connect(to: address, deadline: .now + limit)
            return .open
        } catch let error as SocketError {
            switch error.kind {
            case .connectionRefused: return .closed
            case .timedOut, .unreachable: return .filtered
            default: throw error
            }
        }
    }
}
