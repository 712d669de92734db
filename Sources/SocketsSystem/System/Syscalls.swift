import CSockets
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// The one place where Sockets calls the kernel.
///
/// Every function is a thin shim over one system call: it returns the call's
/// result or the `Errno` it failed with, and retries `EINTR` itself (unless told
/// not to), so no caller ever sees an interrupted call. `EAGAIN` is returned like
/// any other errno; the layers above turn it into ``IOResult/wouldBlock``.
package enum Syscall {
    /// Runs `call` until it stops failing with `EINTR`; maps -1 to the current errno.
    @inline(__always)
    @inlinable
    package static func retrying<R: FixedWidthInteger>(
        _ retryOnInterrupt: Bool = true,
        _ call: () -> R
    ) -> Result<R, Errno> {
        while true {
            let result = call()
            if result != -1 { return .success(result) }
            let error = Errno(rawValue: errno)
            if error == .interrupted && retryOnInterrupt { continue }
            return .failure(error)
        }
    }

    package static func socket(_ family: Int32, _ type: Int32, _ proto: Int32) -> Result<Int32, Errno> {
        retrying { Glibc.socket(family, type | Int32(SOCK_CLOEXEC.rawValue), proto) }
    }

    package static func socketpair(_ family: Int32, _ type: Int32, _ proto: Int32) -> Result<(Int32, Int32), Errno> {
        var fds: (Int32, Int32) = (-1, -1)
        return withUnsafeMutableBytes(of: &fds) { raw in
            let pointer = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
            return retrying { Glibc.socketpair(family, type | Int32(SOCK_CLOEXEC.rawValue), proto, pointer) }
        }.map { _ in fds }
    }

    /// `close(2)`. Never retried: on Linux the descriptor is released even when
    /// close reports `EINTR`, and retrying could close a descriptor reused by another thread.
    package static func close(_ fd: Int32) -> Result<Void, Errno> {
        retrying(false) { Glibc.close(fd) }.map { _ in () }
    }

    package static func bind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Result<Void, Errno> {
        retrying { Glibc.bind(fd, address, length) }.map { _ in () }
    }

    package static func listen(_ fd: Int32, _ backlog: Int32) -> Result<Void, Errno> {
        retrying { Glibc.listen(fd, backlog) }.map { _ in () }
    }

    package static func accept(
        _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: UnsafeMutablePointer<socklen_t>?,
        flags: Int32
    ) -> Result<Int32, Errno> {
        retrying { csockets_accept4(fd, address, length, flags | Int32(SOCK_CLOEXEC.rawValue)) }
    }

    /// `connect(2)`, not retried on `EINTR`: an interrupted connect continues
    /// asynchronously and a second call would fail with `EALREADY`; the caller waits instead.
    package static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Result<Void, Errno> {
        retrying(false) { Glibc.connect(fd, address, length) }.map { _ in () }
    }

    package static func shutdown(_ fd: Int32, _ how: Int32) -> Result<Void, Errno> {
        retrying { Glibc.shutdown(fd, how) }.map { _ in () }
    }

    package static func recv(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ flags: Int32) -> Result<Int, Errno> {
        retrying { Glibc.recv(fd, buffer.baseAddress, buffer.count, flags) }
    }

    package static func recvfrom(
        _ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, _ flags: Int32,
        _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>
    ) -> Result<Int, Errno> {
        retrying { Glibc.recvfrom(fd, buffer.baseAddress, buffer.count, flags, address, length) }
    }

    package static func recvmsg(_ fd: Int32, _ message: UnsafeMutablePointer<msghdr>, _ flags: Int32) -> Result<Int, Errno> {
        retrying { Glibc.recvmsg(fd, message, flags) }
    }

    package static func recvmmsg(_ fd: Int32, _ messages: UnsafeMutablePointer<csockets_mmsghdr>, _ count: Int, _ flags: Int32)
        -> Result<Int, Errno>
    {
        retrying { Int(csockets_recvmmsg(fd, messages, UInt32(count), flags)) }
    }

    package static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, _ flags: Int32) -> Result<Int, Errno> {
        retrying { Glibc.send(fd, buffer.baseAddress, buffer.count, flags | Int32(MSG_NOSIGNAL)) }
    }

    package static func sendto(
        _ fd: Int32, _ buffer: UnsafeRawBufferPointer, _ flags: Int32,
        _ address: UnsafePointer<sockaddr>, _ length: socklen_t
    ) -> Result<Int, Errno> {
        retrying { Glibc.sendto(fd, buffer.baseAddress, buffer.count, flags | Int32(MSG_NOSIGNAL), address, length) }
    }

    package static func sendmsg(_ fd: Int32, _ message: UnsafePointer<msghdr>, _ flags: Int32) -> Result<Int, Errno> {
        retrying { Glibc.sendmsg(fd, message, flags | Int32(MSG_NOSIGNAL)) }
    }

    package static func sendmmsg(_ fd: Int32, _ messages: UnsafeMutablePointer<csockets_mmsghdr>, _ count: Int, _ flags: Int32)
        -> Result<Int, Errno>
    {
        retrying { Int(csockets_sendmmsg(fd, messages, UInt32(count), flags | Int32(MSG_NOSIGNAL))) }
    }

    package static func getsockopt(
        _ fd: Int32, _ level: Int32, _ name: Int32,
        _ value: UnsafeMutableRawPointer, _ length: UnsafeMutablePointer<socklen_t>
    ) -> Result<Void, Errno> {
        retrying { Glibc.getsockopt(fd, level, name, value, length) }.map { _ in () }
    }

    package static func setsockopt(
        _ fd: Int32, _ level: Int32, _ name: Int32, _ value: UnsafeRawPointer, _ length: socklen_t
    ) -> Result<Void, Errno> {
        retrying { Glibc.setsockopt(fd, level, name, value, length) }.map { _ in () }
    }

    package static func getsockname(
        _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>
    ) -> Result<Void, Errno> {
        retrying { Glibc.getsockname(fd, address, length) }.map { _ in () }
    }

    package static func getpeername(
        _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>
    ) -> Result<Void, Errno> {
        retrying { Glibc.getpeername(fd, address, length) }.map { _ in () }
    }

    package static func fileStatusFlags(_ fd: Int32) -> Result<Int32, Errno> {
        retrying { fcntl(fd, F_GETFL) }
    }

    package static func setFileStatusFlags(_ fd: Int32, _ flags: Int32) -> Result<Void, Errno> {
        retrying { fcntl(fd, F_SETFL, flags) }.map { _ in () }
    }

    /// `poll(2)` on one descriptor. An interrupted poll reports "no events" so the
    /// caller recomputes its remaining time and polls again.
    package static func poll(_ fd: Int32, events: Int16, timeoutMilliseconds: Int32) -> Result<Int16, Errno> {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        switch retrying(false, { Glibc.poll(&entry, 1, timeoutMilliseconds) }) {
        case .success: return .success(entry.revents)
        case .failure(.interrupted): return .success(0)
        case .failure(let error): return .failure(error)
        }
    }

    package static func epollCreate() -> Result<Int32, Errno> {
        retrying { epoll_create1(Int32(EPOLL_CLOEXEC)) }
    }

    package static func epollControl(_ epoll: Int32, _ operation: Int32, _ fd: Int32, _ event: inout epoll_event) -> Result<
        Void, Errno
    > {
        retrying { epoll_ctl(epoll, operation, fd, &event) }.map { _ in () }
    }

    /// `epoll_wait(2)`; an interrupted wait reports zero events.
    package static func epollWait(
        _ epoll: Int32, _ events: UnsafeMutableBufferPointer<epoll_event>, timeoutMilliseconds: Int32
    ) -> Result<Int, Errno> {
        switch retrying(false, { epoll_wait(epoll, events.baseAddress, Int32(events.count), timeoutMilliseconds) }) {
        case .success(let count): return .success(Int(count))
        case .failure(.interrupted): return .success(0)
        case .failure(let error): return .failure(error)
        }
    }

    package static func eventFD() -> Result<Int32, Errno> {
        retrying { eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK)) }
    }

    /// Adds one to an eventfd counter, waking its poller.
    package static func signalEventFD(_ fd: Int32) {
        var one: UInt64 = 1
        _ = retrying { Glibc.write(fd, &one, 8) }
    }

    /// Resets an eventfd counter to zero.
    package static func drainEventFD(_ fd: Int32) {
        var value: UInt64 = 0
        _ = retrying { Glibc.read(fd, &value, 8) }
    }

    /// A cheap monotonic clock in milliseconds (`CLOCK_MONOTONIC_COARSE`, a few ms resolution).
    package static func coarseMonotonicMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
