import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Samples a process's CPU time (`/proc/PID/stat`, clock ticks) every 20 ms on a
/// thread of its own, to tell how much it used between two instants.
final class E2ECPUSampler: @unchecked Sendable {
    // @unchecked: `samples` and `running` are only touched with `lock` held.
    private let lock = NSLock()
    private var samples: [(at: ContinuousClock.Instant, ticks: Int)] = []
    private var running = true
    private let stopped = Latch<Void>()

    init(_ server: E2EServer) {
        Thread { [self] in
            while lock.withLock({ running }) {
                let sample = (ContinuousClock.now, server.cpuTicks)
                lock.withLock { samples.append(sample) }
                usleep(20_000)
            }
            stopped.set(())
        }.start()
    }

    /// Stops sampling.
    func stop() {
        lock.withLock { running = false }
        _ = stopped.wait(timeout: .seconds(2))
    }

    /// The ticks used from the first sample at or after `start` to the last sample at
    /// or before `end`, and the time between those samples; nil without such samples.
    func ticks(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> (ticks: Int, over: Duration)? {
        lock.withLock {
            guard let first = samples.first(where: { $0.at >= start }),
                let last = samples.last(where: { $0.at <= end }), first.at < last.at
            else { return nil }
            return (last.ticks - first.ticks, last.at - first.at)
        }
    }
}
