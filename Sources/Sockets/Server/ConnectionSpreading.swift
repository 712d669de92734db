/// How a ``Server`` places the connections it accepts on its reactors.
public enum ConnectionSpreading: Sendable {
    /// Each accept loop hands its connections to the reactors in turn, as SwiftNIO's
    /// `MultiThreadedEventLoopGroup.next()` does: an even spread whatever the clients.
    case roundRobin
    /// A connection stays on the reactor of the listener that accepted it: listener *i*
    /// is served by reactor *i* modulo their count. For one `SO_REUSEPORT` listener per
    /// reactor on the same port, where the kernel spreads connections by a hash of their
    /// addresses, and no connection is handed from one thread to another.
    case byListener
}
