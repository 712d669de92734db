import Sockets

#if canImport(Glibc)
    import Glibc
#endif

extension LoadGenerator {
    /// How one connection of ``runHandshakes(_:_:_:_:_:)`` ended.
    private enum CycleOutcome {
        case echoed
        case differs
        case closedByServer
    }

    /// Connections per second on one load slot (``LoadMode/handshake``): connect, the TLS
    /// handshake when configured, one message's round trip, close; again until the
    /// measured time ends. Each whole cycle is one message and one latency.
    static func runHandshakes(
        _ index: Int, _ target: SocketAddress, _ configuration: LoadConfiguration, _ window: Window, _ tally: Tally
    ) async throws {
        let size = configuration.size
        let outgoing = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { outgoing.deallocate() }
        let incoming = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { incoming.deallocate() }
        var completed = 0
        var latencies: [UInt64] = []
        defer { tally.record(latencies, completed: completed) }
        // A cycle begun before the end of the measured time may finish in the drain time.
        let deadline = window.end + configuration.drainTimeout
        var sequence: UInt64 = 0
        while ContinuousClock.now < window.end {
            fillMessage(index, sequence, into: outgoing)
            let start = ContinuousClock.now
            let outcome: CycleOutcome
            do {
                outcome = try await cycle(target, configuration, outgoing, incoming, deadline: deadline)
            } catch is CancellationError {
                tally.addError(repliesMissing)
                return
            }
            guard outcome == .echoed else {
                tally.addError(outcome == .differs ? notAnEchoServer : closedByServer)
                return
            }
            let now = ContinuousClock.now
            if window.contains(now) {
                completed += 1
                latencies.append(UInt64((now - start).wholeNanoseconds))
            }
            sequence += 1
            if latencies.count >= 256 {
                tally.record(latencies, completed: completed)
                latencies.removeAll(keepingCapacity: true)
                completed = 0
            }
        }
    }

    /// One connection of ``runHandshakes(_:_:_:_:_:)``.
    private static func cycle(
        _ target: SocketAddress, _ configuration: LoadConfiguration, _ outgoing: UnsafeMutableRawBufferPointer,
        _ incoming: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant
    ) async throws -> CycleOutcome {
        let socket = try await connect(to: target, configuration, deadline: deadline)
        defer { socket.close() }
        guard let context = configuration.tls else {
            return try await echoOnce(over: socket, outgoing, incoming, deadline: deadline)
        }
        let tls = try context.wrap(socket, serverName: configuration.tlsServerName)
        try await tls.handshake(deadline: deadline)
        let outcome = try await echoOnce(over: tls, outgoing, incoming, deadline: deadline)
        if outcome == .echoed { try await tls.closeWrite(deadline: deadline) }
        return outcome
    }

    /// Writes `outgoing` and reads as many bytes back into `incoming`.
    private static func echoOnce(
        over stream: some AsyncByteStream, _ outgoing: UnsafeMutableRawBufferPointer,
        _ incoming: UnsafeMutableRawBufferPointer, deadline: ContinuousClock.Instant
    ) async throws -> CycleOutcome {
        try await stream.write(UnsafeRawBufferPointer(outgoing), deadline: deadline)
        var received = 0
        while received < outgoing.count {
            let count = try await stream.read(
                into: UnsafeMutableRawBufferPointer(rebasing: incoming[received...]), deadline: deadline)
            guard count > 0 else { return .closedByServer }
            received += count
        }
        return memcmp(outgoing.baseAddress!, incoming.baseAddress!, outgoing.count) == 0 ? .echoed : .differs
    }
}
