extension Connection {
    /// Sends every byte that arrives straight back until the client half-closes (the
    /// `echo` service in raw framing, and the benchmark handler); see ``Socket/echo()``
    /// and, on a TLS server, ``TLSSocket/echo()``. Each read counts as activity for the
    /// idle timeout.
    public func echo() async throws {
        if let tls = state.tls { return try await tls.echo(activity: state) }
        try await state.socket.echo(activity: state)
    }
}
