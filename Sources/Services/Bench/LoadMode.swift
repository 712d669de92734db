/// How ``LoadGenerator`` uses its stream connections (`sock bench --mode`).
public enum LoadMode: String, Sendable, CaseIterable {
    /// Each connection keeps ``LoadConfiguration/pipeline`` messages in flight and sends
    /// the next one as each echo comes back: messages/s and round-trip latency.
    case pingpong
    /// Each connection writes `size`-byte chunks as fast as the server takes them while
    /// it reads the echo back (bulk throughput, MB/s); latency is from a chunk's write
    /// to the end of its echo, queues included.
    case stream
    /// Each connection repeats: connect, the TLS handshake (a full one: no session
    /// resumption), one message's round trip, close. Messages/s is then connections
    /// (handshakes) per second, and latency is that whole cycle.
    case handshake
}
