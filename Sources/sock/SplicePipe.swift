import CSockets
import Sockets
import SystemPackage

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// One direction of `sock relay` through a kernel pipe with `splice(2)`: the bytes go
/// from one socket into the pipe and from the pipe into the other socket without being
/// copied into this process. The pipe (1 MiB) is the direction's bounded buffer: it is
/// emptied into the destination before more is read.
///
/// It owns the pipe's two descriptors and closes them once, in `deinit`; it holds
/// nothing else, and one task at a time runs it.
final class SplicePipe: Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32

    /// The pipe's capacity, and the most one `splice` moves. The default 64 KiB is
    /// 16 page slots, which TCP fills with small fragments: a larger pipe moves more per call.
    static let chunkSize = 1024 * 1024

    /// `F_SETPIPE_SZ` (Linux, `fcntl.h` under _GNU_SOURCE, which the Glibc module hides).
    private static let setPipeSize: Int32 = 1031

    /// Makes the pipe (C: `pipe`, then `FD_CLOEXEC` on both ends; every `splice` on it
    /// is non-blocking by its flag, so the pipe itself needs no `O_NONBLOCK`).
    ///
    /// - Throws: ``SocketError`` when the process is out of descriptors.
    init() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw SocketError("pipe", errno: Errno(rawValue: errno)) }
        readEnd = ends[0]
        writeEnd = ends[1]
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        // Over /proc/sys/fs/pipe-max-size it fails, and the pipe keeps 64 KiB: still correct.
        _ = fcntl(writeEnd, Self.setPipeSize, Int32(Self.chunkSize))
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Moves everything `source` sends to `destination` until `source` ends its stream,
    /// then half-closes `destination`; `moved` is called with each piece's byte count.
    ///
    /// - Throws: ``SocketError`` (a reset, a closed socket), `CancellationError`.
    func run(from source: Socket, to destination: Socket, moved: (Int) -> Void) async throws {
        let sourceReady = try source.registerForWaiting()
        let destinationReady = try destination.registerForWaiting()
        while true {
            let readSequence = sourceReady.sequence(.read)
            let read = try source.withDescriptor("read") { fd throws(SocketError) in
                try splice(from: fd, to: writeEnd, Self.chunkSize)
            }
            guard let count = read else {
                try await sourceReady.wait(for: .read, after: readSequence, deadline: nil, operation: "read")
                continue
            }
            if count == 0 { break }
            var left = count
            while left > 0 {
                let writeSequence = destinationReady.sequence(.write)
                let written = try destination.withDescriptor("write") { fd throws(SocketError) in
                    try splice(from: readEnd, to: fd, left)
                }
                guard let written else {
                    try await destinationReady.wait(for: .write, after: writeSequence, deadline: nil, operation: "write")
                    continue
                }
                left -= written
            }
            moved(count)
        }
        try? destination.shutdown(.write)
    }

    /// One non-blocking `splice`: the bytes moved (0 at the end of the stream), or nil
    /// when it would block (EAGAIN). EINTR is retried.
    private func splice(from: Int32, to: Int32, _ length: Int) throws(SocketError) -> Int? {
        while true {
            let result = csockets_splice(from, to, length, 1)
            if result >= 0 { return result }
            switch errno {
            case EINTR: continue
            case EAGAIN: return nil
            case let number: throw SocketError("splice", errno: Errno(rawValue: number))
            }
        }
    }
}
