extension Socket {
    /// Where a socket stands with the reactor.
    enum ReactorState: Sendable {
        /// No asynchronous call has had to wait yet.
        case unregistered
        case registered(ReactorRegistration)
        /// Closed or detached: no new registration.
        case closed
    }

    /// The socket's registration with the shared reactor, created on first use.
    ///
    /// Call while holding the descriptor.
    func registration() throws(SocketError) -> ReactorRegistration {
        let result: Result<ReactorRegistration, SocketError> = reactorState.withLock { state in
            switch state {
            case .registered(let registration):
                return .success(registration)
            case .closed:
                return .failure(SocketError(.closed, operation: "register"))
            case .unregistered:
                do throws(SocketError) {
                    let registration = try Reactor.shared.register(descriptor.raw)
                    state = .registered(registration)
                    return .success(registration)
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }

    /// Removes the socket from the reactor and wakes its waiters with `closed`.
    /// Runs while the descriptor is still open (from ``close()`` and ``detach()``).
    func deregisterFromReactor() {
        let previous = reactorState.withLock { state in
            defer { state = .closed }
            return state
        }
        if case .registered(let registration) = previous {
            registration.reactor.deregister(registration, fd: descriptor.raw)
        }
    }
}
