import CSockets
import SocketsSystem

/// Reactors that share a server's connections, one thread each (SPEC §7).
///
/// A server hands each accepted connection to the next reactor in turn; the
/// connection's task runs on that reactor's thread and its socket registers there,
/// so a connection stays on one reactor for its life and its messages touch nothing
/// that another reactor uses. Reactors share no lock, queue or counter.
///
/// ```swift
/// let reactors = try ReactorGroup(threads: 4)
/// defer { reactors.shutdown() }
/// let server = Server(listeners: [listener], reactors: reactors) { connection in ... }
/// ```
public final class ReactorGroup: Sendable {
    /// The process-wide group: one reactor per core this process may run on
    /// (``availableCores``), the first being ``Reactor/shared``. Started on first use;
    /// it cannot be shut down.
    ///
    /// Failing to start it (no descriptor or thread left at that moment) is fatal, as
    /// for ``Reactor/shared``.
    public static let shared: ReactorGroup = {
        do {
            var reactors = [Reactor.shared]
            for _ in 1..<availableCores { reactors.append(try Reactor(isShutdownable: false)) }
            return ReactorGroup(reactors: reactors)
        } catch {
            fatalError("Sockets: cannot start the shared reactor group: \(error)")
        }
    }()

    /// How many cores this process may run on (`sched_getaffinity`), at least 1: the
    /// default number of reactors.
    public static var availableCores: Int { Int(csockets_available_cpus()) }

    /// The reactors, each on its own thread.
    public let reactors: [Reactor]

    /// Starts `threads` reactors; ``shutdown()`` stops them.
    ///
    /// - Parameter threads: How many reactors (threads), at least 1.
    /// - Throws: ``SocketError`` when a reactor cannot be started (the process is out of
    ///   descriptors, memory or threads); the ones already started are shut down.
    public convenience init(threads: Int) throws(SocketError) {
        precondition(threads >= 1, "Sockets: a reactor group needs at least one thread")
        var reactors: [Reactor] = []
        do {
            for _ in 0..<threads { reactors.append(try Reactor()) }
        } catch {
            for reactor in reactors { reactor.shutdown() }
            throw error
        }
        self.init(reactors: reactors)
    }

    private init(reactors: [Reactor]) {
        self.reactors = reactors
    }

    /// How many reactors (threads) the group has.
    public var count: Int { reactors.count }

    /// Stops every reactor (see ``Reactor/shutdown()``); returns at once.
    ///
    /// ``shared`` cannot be shut down (a precondition).
    public func shutdown() {
        for reactor in reactors { reactor.shutdown() }
    }

    /// How many sockets are registered with each reactor now, in the order of ``reactors``:
    /// how a server's connections are spread.
    public var registeredCounts: [Int] { reactors.map(\.registeredCount) }
}
