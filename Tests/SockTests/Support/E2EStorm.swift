import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Helpers for the robustness tests.
enum E2EStorm {
    /// Serves one connection to the end, then returns how many sockets, pipes and files
    /// the server has open: what it must come back to once its clients are gone.
    static func baseline(_ server: E2EServer) throws -> Int {
        let client = try server.connect(framing: .raw)
        let peer = try client.socket.localAddress().description
        try client.sendRaw(E2E.bytes("warm\n"))
        _ = try client.socket.recv(100)
        client.socket.close()
        #expect(server.standardError.wait(forText: "connection closed peer=\(peer)"))
        return server.connectionDescriptorCount
    }

    /// Expects one normal exchange with a new client of `service` (line framing).
    static func expectServes(_ server: E2EServer, _ service: String) throws {
        let client = try server.connect()
        switch service {
        case "hello":
            #expect(try client.receiveText() == "Welcome!")
            try client.send("ok")
            #expect(try client.receiveText() == "Hello, ok!")
        case "chat":
            let joined = try #require(try client.receiveText())
            #expect(joined.wholeMatch(of: /\* guest-\d+ joined/) != nil, "got \(joined)")
            try client.send("/who")
            #expect(try client.receiveText()?.hasPrefix("* online: ") == true)
        case "upper":
            try client.send("ok")
            #expect(try client.receiveText() == "OK")
        default:
            try client.send("ok")
            #expect(try client.receiveText() == "ok")
        }
    }

    /// Whether the server uses (almost) no CPU over half a second: it does not spin.
    static func isIdle(_ server: E2EServer) -> Bool {
        let before = server.cpuTicks
        usleep(500_000)
        let used = server.cpuTicks - before
        return used <= 10
    }

    /// Sends `unit` over and over without reading, until the socket stays unwritable
    /// for 300 ms (the server stopped reading) or 256 MiB went out.
    ///
    /// - Returns: The bytes sent.
    static func fillUntilStalled(_ socket: Socket, unit: [UInt8]) throws -> Int {
        var total = 0
        var pending = unit[...]
        while total < 256 * 1024 * 1024 {
            let result = try pending.withUnsafeBytes { try socket.trySend($0) }
            guard case .completed(let sent) = result else {
                if !isWritable(socket, withinMilliseconds: 300) { return total }
                continue
            }
            total += sent
            pending = pending.dropFirst(sent)
            if pending.isEmpty { pending = unit[...] }
        }
        return total
    }

    /// Whether `socket` becomes writable within the time given.
    static func isWritable(_ socket: Socket, withinMilliseconds milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: socket.fileDescriptor, events: Int16(POLLOUT), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    /// Retries for up to the timeout until a new line-framed echo connection is served.
    static func eventuallyAdmitted(_ server: E2EServer) async -> Bool {
        await eventually {
            guard let client = try? E2EClient(server.address, timeout: .seconds(2)),
                (try? client.send("admitted?")) != nil
            else { return false }
            return (try? client.receiveText()) == "admitted?"
        }
    }
}
