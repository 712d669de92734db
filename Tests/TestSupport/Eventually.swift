/// Polls `condition` every 10 ms until it holds or `limit` passes; whether it held.
///
/// For state a test can only observe from outside (another process, `/proc`, a counter
/// another task updates): polling with a bounded deadline, never a bare sleep.
///
///     #expect(await eventually { server.connectionCount == 0 }, "every connection is closed")
public func eventually(
    within limit: Duration = testTimeout, _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}
