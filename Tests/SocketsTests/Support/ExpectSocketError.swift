import Sockets
import Testing

/// Runs `body` and expects it to throw a ``SocketError`` of `kind`; returns the error.
@discardableResult
func expectSocketError(
    _ kind: SocketError.Kind, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> SocketError? {
    do {
        try body()
        Issue.record("expected a SocketError of kind \(kind), but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as SocketError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a SocketError of kind \(kind), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
