import Testing

/// Chat room set-ups.
enum E2EChat {
    /// Three members, guest-1 to guest-3, each past the join notices it receives.
    static func room(_ server: E2EServer) throws -> (E2EClient, E2EClient, E2EClient) {
        let a = try server.connect()
        #expect(try a.receiveText() == "* guest-1 joined")
        let b = try server.connect()
        #expect(try b.receiveText() == "* guest-2 joined")
        #expect(try a.receiveText() == "* guest-2 joined")
        let c = try server.connect()
        #expect(try c.receiveText() == "* guest-3 joined")
        #expect(try a.receiveText() == "* guest-3 joined")
        #expect(try b.receiveText() == "* guest-3 joined")
        return (a, b, c)
    }
}
