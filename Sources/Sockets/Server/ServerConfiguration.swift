/// Limits and timeouts of a ``Server``.
public struct ServerConfiguration: Sendable {
    /// Past this many open connections a new one is accepted and closed at once (SPEC: 10000).
    public var maximumConnections: Int
    /// A connection that receives nothing, and reads and writes nothing, for this long is
    /// closed (nil: never; SPEC: 300 s).
    public var idleTimeout: Duration?
    /// On shutdown, how long connections may finish what they are doing before they are closed.
    public var gracePeriod: Duration
    /// The first and the longest pause after an accept fails for lack of descriptors or memory.
    public var acceptBackoff: ClosedRange<Duration>
    /// Set `TCP_NODELAY` on accepted TCP connections, so small replies leave at once.
    public var noDelay: Bool
    /// A server context: every accepted connection is wrapped in TLS and its handshake
    /// done before the handler runs (nil: plain TCP).
    public var tls: TLSContext?
    /// How long a client may take over the TLS handshake before its connection is closed (SPEC: 10 s).
    public var tlsHandshakeTimeout: Duration
    /// Which reactor serves each accepted connection (by default, each in turn).
    public var spreading: ConnectionSpreading

    /// Creates a configuration; the defaults are the SPEC's.
    public init(
        maximumConnections: Int = 10_000, idleTimeout: Duration? = .seconds(300), gracePeriod: Duration = .seconds(3),
        acceptBackoff: ClosedRange<Duration> = .milliseconds(10)...(.seconds(1)), noDelay: Bool = true,
        tls: TLSContext? = nil, tlsHandshakeTimeout: Duration = .seconds(10), spreading: ConnectionSpreading = .roundRobin
    ) {
        self.spreading = spreading
        self.tls = tls
        self.tlsHandshakeTimeout = tlsHandshakeTimeout
        self.maximumConnections = maximumConnections
        self.idleTimeout = idleTimeout
        self.gracePeriod = gracePeriod
        self.acceptBackoff = acceptBackoff
        self.noDelay = noDelay
    }
}
