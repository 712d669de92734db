import DequeModule
import Sockets

#if canImport(Glibc)
    import Glibc
#endif

extension LoadGenerator {
    /// How far a ``streamChunks(_:over:_:_:_:)`` writer has got: when each chunk not yet echoed
    /// was written, and whether it has written its last.
    private struct StreamProgress {
        var sentAt = Deque<ContinuousClock.Instant>()
        var finished = false
        var writerFailed = false
    }

    /// Bulk load on one connection (``LoadMode/stream``): a child task writes the same
    /// `size`-byte chunk until the measured time ends, without waiting for echoes, while
    /// this task reads the echo back and compares it with what was sent.
    static func streamChunks(
        _ index: Int, over stream: some AsyncByteStream, _ configuration: LoadConfiguration, _ window: Window,
        _ tally: Tally
    ) async throws {
        let progress = LockedValue(StreamProgress())
        let size = configuration.size
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await writeChunks(index, size: size, to: stream, window, progress)
                } catch is CancellationError {
                    return
                } catch {
                    progress.withLock { $0.writerFailed = true }
                    tally.addError("\(error)")
                }
            }
            await readEchoes(index, size: size, from: stream, window, progress, tally)
            group.cancelAll()
        }
    }

    /// The chunk connection `index` streams: lower-case letters (so that a server that
    /// changes text, not only one that changes bytes, is told apart from an echo),
    /// shifted by the connection.
    private static func fillChunk(_ index: Int, into buffer: UnsafeMutableRawBufferPointer) {
        for offset in 0..<buffer.count { buffer[offset] = UInt8(ascii: "a") + UInt8((offset + index) % 26) }
    }

    /// The writer of ``streamChunks(_:over:_:_:_:)``: notes each chunk before it writes it, the
    /// last one (the first begun after the measured time) marked as such.
    private static func writeChunks(
        _ index: Int, size: Int, to stream: some AsyncByteStream, _ window: Window, _ progress: LockedValue<StreamProgress>
    ) async throws {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { chunk.deallocate() }
        fillChunk(index, into: chunk)
        while true {
            let now = ContinuousClock.now
            let isLast = now >= window.end
            progress.withLock { progress in
                progress.sentAt.append(now)
                progress.finished = isLast
            }
            try await stream.write(UnsafeRawBufferPointer(chunk), deadline: nil)
            if isLast || progress.withLock({ $0.writerFailed }) { return }
            // A write that the socket takes at once does not suspend: let the reader, on the
            // same reactor, take the echoes as they come rather than only once the send
            // buffer is full (or the measured time is over).
            await Task.yield()
        }
    }

    /// The reader of ``streamChunks(_:over:_:_:_:)``: until the writer's last chunk is back.
    private static func readEchoes(
        _ index: Int, size: Int, from stream: some AsyncByteStream, _ window: Window,
        _ progress: LockedValue<StreamProgress>, _ tally: Tally
    ) async {
        let expected = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { expected.deallocate() }
        fillChunk(index, into: expected)
        let incoming = UnsafeMutableRawBufferPointer.allocate(byteCount: max(64 * 1024, size), alignment: 16)
        defer { incoming.deallocate() }
        var offset = 0
        var mismatched = false
        var completed = 0
        var latencies: [UInt64] = []
        defer { tally.record(latencies, completed: completed) }
        while true {
            let count: Int
            do {
                count = try await stream.read(into: incoming, deadline: nil)
            } catch is CancellationError {
                if !progress.withLock({ $0.writerFailed }) { tally.addError(repliesMissing) }
                return
            } catch {
                if !progress.withLock({ $0.writerFailed }) { tally.addError("\(error)") }
                return
            }
            guard count > 0 else {
                tally.addError(mismatched ? notAnEchoServer : closedByServer)
                return
            }
            var position = 0
            while position < count {
                let take = min(size - offset, count - position)
                if memcmp(incoming.baseAddress! + position, expected.baseAddress! + offset, take) != 0 { mismatched = true }
                position += take
                offset += take
                guard offset == size else { continue }
                offset = 0
                let now = ContinuousClock.now
                let (sentAt, isLast) = progress.withLock { progress in
                    (progress.sentAt.popFirst(), progress.finished && progress.sentAt.isEmpty)
                }
                guard let sentAt, !mismatched else {
                    tally.addError(notAnEchoServer)
                    return
                }
                if window.contains(now) {
                    completed += 1
                    latencies.append(UInt64((now - sentAt).wholeNanoseconds))
                }
                if isLast { return }
            }
            if latencies.count >= 256 {
                tally.record(latencies, completed: completed)
                latencies.removeAll(keepingCapacity: true)
                completed = 0
            }
        }
    }
}
