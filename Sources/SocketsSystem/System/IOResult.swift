import SystemPackage

/// The outcome of a non-blocking operation: it completed, or the kernel had to
/// say "not now" (`EAGAIN`/`EWOULDBLOCK`).
///
/// Would-block is the normal case on a non-blocking socket, so it is a value to
/// switch over rather than an error to catch (the SwiftNIO `IOResult` pattern).
public enum IOResult<Value> {
    /// The operation completed with this value.
    case completed(Value)
    /// The operation could not proceed without blocking; wait for readiness and retry.
    case wouldBlock
}

extension IOResult: Sendable where Value: Sendable {}
extension IOResult: Equatable where Value: Equatable {}

extension Result where Failure == Errno {
    /// Maps `EAGAIN`/`EWOULDBLOCK` to ``IOResult/wouldBlock`` and keeps other errors.
    @inlinable @inline(__always)
    package var ioResult: Result<IOResult<Success>, Errno> {
        switch self {
        case .success(let value): return .success(.completed(value))
        case .failure(.resourceTemporarilyUnavailable): return .success(.wouldBlock)
        case .failure(let error): return .failure(error)
        }
    }
}
