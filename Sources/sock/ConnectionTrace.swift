import Foundation
import Sockets

/// What `-v` and `--hex` show of one client connection, on stderr: the addresses and
/// the connect time; a hex dump of each direction; at the end the bytes each way and
/// what the kernel's `TCP_INFO` says (state, rtt, retransmits, congestion window).
///
/// The sending thread and the receiving one both report here; a lock keeps their
/// lines whole and the counts right.
final class ConnectionTrace: Sendable {
    private struct State {
        var sent = 0
        var received = 0
        var lastActivity = ContinuousClock.now
        var sentDump = HexDump(marker: ">")
        var receivedDump = HexDump(marker: "<")
        /// Where the dump goes instead of stderr (``redirect(to:)``).
        var dumpOutput: (@Sendable (String) -> Void)?
    }

    /// Whether `-v` was given.
    let verbose: Bool
    /// Whether `--hex` was given.
    let hex: Bool
    private let state = LockedValue(State())

    /// A trace that shows what `verbose` and `hex` ask for.
    init(verbose: Bool, hex: Bool) {
        self.verbose = verbose
        self.hex = hex
    }

    /// `-v`: what a name resolved to.
    func resolved(_ text: String, to addresses: [SocketAddress]) {
        guard verbose, SocketAddress(text) == nil else { return }
        writeStandardError("sock: resolved \(text) to \(addresses.map(\.description).joined(separator: " "))\n")
    }

    /// `-v`: the connection is made.
    func connected(_ socket: Socket, after elapsed: Duration) {
        guard verbose else { return }
        let peer = (try? socket.peerAddress()).map { "\($0)" } ?? "?"
        let local = (try? socket.localAddress()).map { "\($0)" } ?? "?"
        writeStandardError("sock: connected peer=\(peer) local=\(local) time=\(Self.milliseconds(elapsed))\n")
    }

    /// `-v`: a connection accepted from `peer` (`sock listen`).
    func accepted(_ socket: Socket, from peer: SocketAddress) {
        guard verbose else { return }
        let local = (try? socket.localAddress()).map { "\($0)" } ?? "?"
        writeStandardError("sock: accepted peer=\(peer) local=\(local)\n")
    }

    /// Sends the hex dump's lines to `output` from now on, instead of stderr (`sock chat`
    /// shows them above the line being typed).
    func redirect(to output: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.dumpOutput = output }
    }

    /// Bytes about to be sent.
    func sent(_ bytes: UnsafeRawBufferPointer) {
        state.withLock { state in
            state.sent += bytes.count
            state.lastActivity = .now
            if hex { (state.dumpOutput ?? writeStandardError)(state.sentDump.lines(bytes)) }
        }
    }

    /// Bytes received.
    func received(_ bytes: UnsafeRawBufferPointer) {
        state.withLock { state in
            state.received += bytes.count
            state.lastActivity = .now
            if hex { (state.dumpOutput ?? writeStandardError)(state.receivedDump.lines(bytes)) }
        }
    }

    /// When bytes last went either way (when the trace was made, before any did).
    var lastActivity: ContinuousClock.Instant { state.withLock { $0.lastActivity } }

    /// `-v`: the bytes each way and, for TCP, the kernel's view of the connection; call
    /// before the socket is closed.
    func closing(_ socket: Socket) {
        guard verbose else { return }
        let (sent, received) = state.withLock { ($0.sent, $0.received) }
        var line = "sock: closing sent=\(sent) received=\(received)"
        if let info = try? socket.tcpInfo() {
            line += " state=\(info.state.map { "\($0)" } ?? "?") rtt=\(Self.milliseconds(info.roundTripTime))"
            line += " rttvar=\(Self.milliseconds(info.roundTripTimeVariation)) retransmits=\(info.totalRetransmits)"
            line += " cwnd=\(info.congestionWindow) mss=\(info.maximumSegmentSize)"
        }
        writeStandardError(line + "\n")
    }

    /// `0.123ms`.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.3fms", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
}
