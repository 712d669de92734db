import SocketsReactor
import SocketsSystem

#if canImport(Glibc)
    import Glibc
#endif

/// What the kernel knows about a TCP connection: its state, round-trip time,
/// retransmissions and congestion window (Linux `struct tcp_info`; what `ss -ti` shows).
public struct TCPInfo: Sendable, Hashable {
    /// A TCP connection's state (RFC 9293), as Linux numbers it in `tcpi_state`.
    public enum State: UInt8, Sendable, Hashable, CustomStringConvertible {
        /// Data flows both ways.
        case established = 1
        /// Our SYN is sent; waiting for the peer's SYN-ACK.
        case synSent
        /// The peer's SYN arrived; our SYN-ACK is sent.
        case synReceived
        /// We closed our side; waiting for the peer's ACK.
        case finWait1
        /// Our side is closed and acknowledged; waiting for the peer's FIN.
        case finWait2
        /// Both sides closed; waiting out stray segments.
        case timeWait
        /// No connection.
        case closed
        /// The peer closed its side; we may still send.
        case closeWait
        /// We closed after the peer did; waiting for the last ACK.
        case lastAck
        /// Accepting connections.
        case listen
        /// Both sides closed at once.
        case closing

        /// The RFC's name: `ESTABLISHED`, `SYN-SENT`, `FIN-WAIT-1`, `CLOSE-WAIT`, ….
        public var description: String {
            switch self {
            case .established: "ESTABLISHED"
            case .synSent: "SYN-SENT"
            case .synReceived: "SYN-RECEIVED"
            case .finWait1: "FIN-WAIT-1"
            case .finWait2: "FIN-WAIT-2"
            case .timeWait: "TIME-WAIT"
            case .closed: "CLOSED"
            case .closeWait: "CLOSE-WAIT"
            case .lastAck: "LAST-ACK"
            case .listen: "LISTEN"
            case .closing: "CLOSING"
            }
        }
    }

    /// The connection's state; nil for a number this library does not know.
    public var state: State?
    /// The smoothed round-trip time (`tcpi_rtt`).
    public var roundTripTime: Duration
    /// The round-trip time's mean deviation (`tcpi_rttvar`).
    public var roundTripTimeVariation: Duration
    /// Segments retransmitted over the connection's life (`tcpi_total_retrans`).
    public var totalRetransmits: Int
    /// Segments sent but not yet acknowledged (`tcpi_unacked`).
    public var unacknowledgedSegments: Int
    /// The congestion window, in segments (`tcpi_snd_cwnd`).
    public var congestionWindow: Int
    /// The slow-start threshold, in segments (`tcpi_snd_ssthresh`).
    public var slowStartThreshold: Int
    /// The largest segment sent, in bytes (`tcpi_snd_mss`).
    public var maximumSegmentSize: Int
}

extension Socket {
    /// Reads the kernel's statistics of this TCP connection (`getsockopt(IPPROTO_TCP, TCP_INFO)`).
    ///
    /// - Throws: ``SocketError``: `closed`; from the kernel, e.g. `EOPNOTSUPP` for a socket
    ///   that is not TCP.
    ///
    /// Python: `socket.getsockopt(IPPROTO_TCP, TCP_INFO, 104)` (bytes to unpack by hand).
    public func tcpInfo() throws(SocketError) -> TCPInfo {
        let bytes = try option(
            level: Int32(IPPROTO_TCP), name: Int32(TCP_INFO), maximumLength: MemoryLayout<tcp_info>.size)
        var info = tcp_info()
        withUnsafeMutableBytes(of: &info) { destination in
            destination.copyBytes(from: bytes.prefix(destination.count))
        }
        return TCPInfo(
            state: TCPInfo.State(rawValue: info.tcpi_state),
            roundTripTime: .microseconds(info.tcpi_rtt),
            roundTripTimeVariation: .microseconds(info.tcpi_rttvar),
            totalRetransmits: Int(info.tcpi_total_retrans),
            unacknowledgedSegments: Int(info.tcpi_unacked),
            congestionWindow: Int(info.tcpi_snd_cwnd),
            slowStartThreshold: Int(info.tcpi_snd_ssthresh),
            maximumSegmentSize: Int(info.tcpi_snd_mss))
    }
}
