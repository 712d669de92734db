extension Connection {
    /// Sends every byte that arrives straight back until the client half-closes (the
    /// `echo` service in raw framing, and the benchmark handler); see ``Socket/echo()``
    /// and, on a TLS server, ``TLSSocket/echo()``. What the client sends keeps the
    /// connection from the idle timeout, as for every connection.
    public func echo() async throws {
        if let tls = state.tls { return try await tls.echo() }
        try await state.socket.echo()
    }
}
