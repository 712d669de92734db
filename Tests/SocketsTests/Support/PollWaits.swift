import Sockets
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Waits up to `timeout` until poll reports `events` on `socket`; an error or a hang-up
/// also ends the wait (with no events at all, only they do).
func waitUntil(_ socket: Socket, polls events: Int16, timeout: Duration = testTimeout) throws {
    var entry = pollfd(fd: socket.fileDescriptor, events: events, revents: 0)
    let milliseconds = Int32(timeout.components.seconds * 1000)
    guard Glibc.poll(&entry, 1, milliseconds) == 1 else {
        throw HarnessError("poll for events \(events) timed out after \(timeout)")
    }
}

/// Waits until `socket` has something to read.
func waitReadable(_ socket: Socket) throws { try waitUntil(socket, polls: Int16(POLLIN)) }

/// Waits until `socket` is writable (e.g. a non-blocking connect has finished).
func waitWritable(_ socket: Socket) throws { try waitUntil(socket, polls: Int16(POLLOUT)) }

/// Waits until the kernel reports an error or hang-up on `socket`, e.g. the arrival of a reset.
func waitForErrorOrHangUp(_ socket: Socket) throws { try waitUntil(socket, polls: 0) }

/// Accepts the one connection queued on either listener (bounded by the test timeout).
func acceptFromEither(_ first: Socket, _ second: Socket) throws -> Socket {
    var entries = [
        pollfd(fd: first.fileDescriptor, events: Int16(POLLIN), revents: 0),
        pollfd(fd: second.fileDescriptor, events: Int16(POLLIN), revents: 0),
    ]
    guard Glibc.poll(&entries, 2, 10_000) > 0 else { throw HarnessError("no connection arrived") }
    let ready = entries[0].revents != 0 ? first : second
    guard case .completed(let (socket, _)) = try ready.tryAccept() else {
        throw HarnessError("poll said readable but accept would block")
    }
    return socket
}
