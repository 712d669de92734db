import Synchronization

/// A few descriptors an accept loop holds back, so that running out of descriptors never
/// leaves the process with none to spare.
///
/// A process at its descriptor limit is fragile beyond the accept loop: libdispatch's
/// thread-pool monitor opens `/proc/TID/stat` every second and kills the process
/// (`SIGILL`, "workq: registered worker exited prematurely") when it cannot. So when
/// `accept` fails for lack of descriptors the loop releases the reserve, and it accepts
/// again only once it can take the whole reserve back.
final class DescriptorReserve: Sendable {
    private let held = LockedValue<[Int32]>([])
    private let size: Int

    init(size: Int = 8) {
        self.size = size
    }

    deinit {
        release()
    }

    /// Takes the reserve (back); true when all of it is held. When it cannot, it holds
    /// none, leaving the process what is free.
    func refill() -> Bool {
        held.withLock { held in
            while held.count < size {
                guard case .success(let fd) = Syscall.eventFD() else {
                    for fd in held { _ = Syscall.close(fd) }
                    held.removeAll()
                    return false
                }
                held.append(fd)
            }
            return true
        }
    }

    /// Gives the reserve up.
    func release() {
        let fds = held.withLock { held in
            defer { held.removeAll() }
            return held
        }
        for fd in fds { _ = Syscall.close(fd) }
    }
}
