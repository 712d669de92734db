extension Connection {
    /// Sends every byte that arrives straight back until the client half-closes
    /// (the `echo` service in raw framing, and the benchmark handler); see
    /// ``Socket/echo()``. Each read counts as activity for the idle timeout.
    public func echo() async throws {
        try await state.socket.echo(activity: state)
    }
}
