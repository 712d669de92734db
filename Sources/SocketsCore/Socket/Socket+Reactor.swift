import SocketsReactor
import SocketsSystem
import Synchronization

extension Socket {
    /// Where a socket stands with the reactor.
    enum ReactorState: Sendable {
        /// No asynchronous call has had to wait yet.
        case unregistered
        case registered(ReactorRegistration)
        /// Closed or detached: no new registration. The old one is kept alive for
        /// calls still running, which may hold it through ``registrationCache``.
        case closed(ReactorRegistration?)
    }

    /// The socket's registration, created on first use with the reactor the calling task
    /// runs on (``Reactor/current``), else with ``Reactor/shared``: a connection served on
    /// a reactor stays on it for its life.
    ///
    /// Call while holding the descriptor. The fast path is one atomic load.
    @inline(__always)
    package func registration() throws(SocketError) -> ReactorRegistration {
        if let cached = registrationCache.load(ordering: .acquiring) {
            return cached.takeUnretainedValue()
        }
        return try registerSlowly()
    }

    /// How many input events (data, the end of the stream, a hang-up, an error) the reactor
    /// has seen for this socket, or nil while it is not registered: while the count stands
    /// still, nothing has arrived.
    package var inputEventCount: UInt64? {
        // The registration outlives the cache entry: the socket keeps it until it is freed.
        registrationCache.load(ordering: .acquiring)?.takeUnretainedValue().sequence(.read)
    }

    /// Registers the socket with `reactor` now, rather than with the reactor its first
    /// wait runs on: for a task that may start elsewhere (a server's connection task is
    /// started on the global executor, and its reactor adopts it at its first wait).
    /// Nothing changes if it is registered already.
    ///
    /// - Throws: ``SocketError`` `closed`, or what `epoll_ctl` reports.
    package func register(with reactor: Reactor) throws(SocketError) {
        guard descriptor.acquire() else { throw SocketError(.closed, operation: "register") }
        defer { descriptor.release() }
        _ = try registerSlowly(with: reactor)
    }

    private func registerSlowly(with chosen: Reactor? = nil) throws(SocketError) -> ReactorRegistration {
        let result: Result<ReactorRegistration, SocketError> = reactorState.withLock { state in
            switch state {
            case .registered(let registration):
                return .success(registration)
            case .closed:
                return .failure(SocketError(.closed, operation: "register"))
            case .unregistered:
                do throws(SocketError) {
                    let registration = try (chosen ?? Reactor.current ?? Reactor.shared).register(descriptor.raw)
                    state = .registered(registration)
                    registrationCache.store(Unmanaged.passUnretained(registration), ordering: .releasing)
                    return .success(registration)
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }

    /// Ends the socket's membership in the reactor and wakes its waiters with `closed`.
    /// Runs while the descriptor is still open (from ``close()`` and ``detach()``).
    ///
    /// - Parameter keepingDescriptor: The descriptor lives on (detach), so it must be
    ///   removed from epoll explicitly; a closed one leaves epoll by itself, and a stale
    ///   event for its slot is recognised by the token's generation.
    package func deregisterFromReactor(keepingDescriptor: Bool = false) {
        let previous = reactorState.withLock { state -> ReactorRegistration? in
            guard case .registered(let registration) = state else {
                if case .unregistered = state { state = .closed(nil) }
                return nil
            }
            state = .closed(registration)
            return registration
        }
        registrationCache.store(nil, ordering: .releasing)
        if let previous {
            previous.reactor.deregister(previous, fd: keepingDescriptor ? descriptor.raw : nil)
        }
    }
}

extension Socket {
    /// Makes the calling task the socket's owner: its waits on the socket install no
    /// cancellation handler each (the per-wait cost of one is a tenth of a message's work),
    /// so whoever cancels it must call ``cancelOwnerWaits()`` (or close the socket). A
    /// server does, for each connection's handler and accept loop. When an event resumes
    /// the owner, the socket's reactor adopts the task (``Reactor/adopting(_:)``): a task
    /// without an executor preference then runs on the reactor's thread. Registers the
    /// socket with the caller's reactor if it is not yet.
    package func claimOwnership() {
        guard descriptor.acquire() else { return }
        defer { descriptor.release() }
        try? registration().claimOwnership()
    }

    /// Ends the owner's waits on the socket, now and later, with `CancellationError`.
    package func cancelOwnerWaits() {
        let registration = reactorState.withLock { state -> ReactorRegistration? in
            switch state {
            case .unregistered: return nil
            case .registered(let registration): return registration
            case .closed(let registration): return registration
            }
        }
        registration?.cancelOwnerWaits()
    }
}
