import ArgumentParser
import Foundation
import Services
import Sockets

/// `sock bench ADDR`: load against an echo server (SPEC §5).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load an echo server: messages/s, MB/s, latency percentiles, errors.",
        discussion: """
            -w limits each connect: a connection not made in time counts as an error. \
            -v prints, before the load, the address it goes to and the source address.

            Examples:
                # TCP echo, 100 connections
                sock bench 127.0.0.1:9999 --connections 100 --duration 5
                # UDP, one JSON object
                sock bench 127.0.0.1:9999 --udp --size 512 --json
                # TLS bulk throughput: one connection writing 64 KiB chunks
                sock bench 127.0.0.1:9443 --tls --tls-insecure --mode stream --size 65536
                # TLS handshakes per second (messages/s counts connections)
                sock bench 127.0.0.1:9443 --tls --tls-insecure --mode handshake --connections 8
                # IPv4 only, from 127.0.0.2, each connect within 2 s, the port by name
                sock bench localhost:echo -4 --source 127.0.0.2 -w 2 -v
            """
    )

    @OptionGroup var server: ClientOptions

    @OptionGroup(title: "TLS options") var tls: TLSClientOptions

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Concurrent connections (UDP: sockets).")
    var connections = 1

    @Option(help: "Bytes per message.")
    var size = 64

    @Option(help: "Messages in flight per connection.")
    var pipeline = 1

    @Option(help: "How each stream connection is used:")
    var mode: LoadMode = .pingpong

    @Option(help: "Measured seconds.")
    var duration: Double = 5

    @Option(help: "Seconds of load before measuring.")
    var warmup: Double = 1

    @OptionGroup var transport: DatagramFlag

    @OptionGroup var threads: ThreadsOption

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard connections > 0, size > 0, pipeline > 0 else {
            throw ValidationError("--connections, --size and --pipeline must be positive")
        }
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be positive") }
        if transport.udp && size > 65_507 { throw ValidationError("a UDP datagram holds at most 65507 bytes") }
        if transport.udp && mode != .pingpong { throw ValidationError("--mode \(mode.rawValue) is for streams, not --udp") }
    }

    func run() async throws {
        var load = LoadConfiguration(address: server.address)
        load.connections = connections
        load.size = size
        load.pipeline = pipeline
        load.mode = mode
        load.duration = .milliseconds(Int64(duration * 1000))
        load.warmup = .milliseconds(Int64(warmup * 1000))
        load.udp = transport.udp
        load.family = connection.family
        load.source = try connection.sourceAddress(type: transport.udp ? .datagram : .stream)
        load.connectTimeout = connection.timeoutDuration
        if tls.enabled {
            if transport.udp { throw ValidationError("--tls is for streams, not --udp") }
            // Handshake mode measures full handshakes: no session is resumed.
            load.tls = try tls.makeContext(resumesSessions: mode != .handshake)
            load.tlsServerName = tls.serverName ?? TLSClientOptions.host(of: server.address)
        }
        if connection.verbose {
            let target = try LoadGenerator.target(of: load)
            writeStandardError("sock: bench target=\(target) source=\(load.source.map { "\($0)" } ?? "any")\n")
        }
        let report = try await LoadGenerator.run(load, reactors: try threads.makeReactors())
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(
                String(
                    format:
                        "%.0f messages/s, %.2f MB/s, latency p50 %.1f µs, p99 %.1f µs, p99.9 %.1f µs, %d errors (%d connections, %d B, %.1f s)",
                    report.messagesPerSecond, report.megabytesPerSecond, report.p50Microseconds,
                    report.p99Microseconds, report.p999Microseconds, report.errors, report.connections,
                    report.size, report.durationSeconds))
        }
        // Say why, most frequent cause first: `sock: bench: connect 127.0.0.1:9: connection refused`.
        let causes = report.errorCauses.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        for (cause, count) in causes {
            writeStandardError("sock: bench: \(cause)\(count > 1 ? " (\(count) times)" : "")\n")
        }
        if report.errors > 0 { throw ExitCode(1) }
    }
}

/// Each mode shows in the help with what it measures.
extension LoadMode: ExpressibleByArgument {
    /// One line for the help screen.
    public var defaultValueDescription: String {
        switch self {
        case .pingpong: "--pipeline messages in flight, the next sent as each echo returns"
        case .stream: "bulk: --size chunks written without waiting, echoes read meanwhile (MB/s)"
        case .handshake: "connect, TLS handshake (full), one echo, close, again: messages/s is connections/s"
        }
    }
}
