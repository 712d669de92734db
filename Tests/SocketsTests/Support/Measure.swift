import Sockets
import Testing

/// How long `body` takes, and what it threw.
func measure(_ body: () throws -> Void) -> (Duration, SocketError?) {
    let start = ContinuousClock.now
    do {
        try body()
        return (start.duration(to: .now), nil)
    } catch let error as SocketError {
        return (start.duration(to: .now), error)
    } catch {
        Issue.record("expected a SocketError, got \(error)")
        return (start.duration(to: .now), nil)
    }
}
