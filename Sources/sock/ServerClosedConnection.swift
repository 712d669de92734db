import Sockets

extension CommandFailure {
    /// The server ended the conversation before the user did: `sock: ADDR: the server
    /// closed the connection`, exit 1 (`connect`, `chat`).
    static func serverClosedConnection(_ address: String) -> CommandFailure {
        CommandFailure("\(address): the server closed the connection")
    }
}

extension SocketError {
    /// Whether the error means the peer has closed or reset the connection: a reset, a
    /// broken pipe (`ECONNRESET`, `EPIPE`), or a socket no longer connected (`ENOTCONN`,
    /// e.g. a half-close after a reset).
    var meansPeerClosed: Bool {
        kind == .connectionReset || kind == .connectionAborted || errno == .socketNotConnected
    }
}
