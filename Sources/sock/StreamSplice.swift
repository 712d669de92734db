import Sockets
import Synchronization

/// Two connections spliced both ways, as `sock relay` does for each client: what one
/// sends the other receives, through one bounded buffer per direction (a slow reader
/// holds the writer back; nothing piles up), and the end of one's stream becomes a
/// half-close (`shutdown(.write)`) towards the other. TCP to TCP the buffer is a kernel
/// pipe and the bytes never enter this process (`splice(2)`, ``SplicePipe``), unless
/// they are to be shown (`--hex`).
final class StreamSplice: Sendable {
    /// The bytes copied each way.
    struct Counts: Sendable, Equatable {
        /// From the accepted client to the target.
        var clientToTarget = 0
        /// From the target to the client.
        var targetToClient = 0
    }

    /// The bytes one read may bring, per direction.
    static let bufferSize = 64 * 1024

    /// The accepted connection (its reads and writes count as activity for the server).
    let client: Connection
    /// The connection made to the target.
    let target: Socket
    /// Where the bytes are shown as they pass, client to target as sent, target to
    /// client as received; nil: not shown.
    let trace: ConnectionTrace?
    private let clientToTarget = Atomic<Int>(0)
    private let targetToClient = Atomic<Int>(0)

    /// Splices `client` and `target`, showing the bytes to `trace` if given; nothing
    /// happens until ``run()``.
    init(client: Connection, target: Socket, trace: ConnectionTrace? = nil) {
        self.client = client
        self.target = target
        self.trace = trace
    }

    /// The bytes copied each way so far.
    var counts: Counts {
        Counts(clientToTarget: clientToTarget.load(ordering: .relaxed), targetToClient: targetToClient.load(ordering: .relaxed))
    }

    /// Whether both connections are TCP and the bytes are not shown, which ``run()``
    /// moves with `splice(2)` (``SplicePipe``); other streams go through a buffer in
    /// this process.
    var usesKernelSplice: Bool {
        client.socket.family != .unix && target.family != .unix && trace == nil
    }

    /// Copies both ways until both streams have ended.
    ///
    /// TCP to TCP through two pipes (four more descriptors); when the process has no
    /// descriptors left for them, through buffers as for other streams.
    ///
    /// - Throws: the first direction's error (a reset, say); both connections are then
    ///   shut down, so the other direction ends too.
    func run() async throws {
        let pipes = usesKernelSplice ? try? (toTarget: SplicePipe(), toClient: SplicePipe()) : nil
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let pipes {
                group.addTask {
                    try await pipes.toTarget.run(from: self.client.socket, to: self.target) {
                        self.clientToTarget.add($0, ordering: .relaxed)
                    }
                }
                group.addTask {
                    try await pipes.toClient.run(from: self.target, to: self.client.socket) {
                        self.targetToClient.add($0, ordering: .relaxed)
                    }
                }
            } else {
                group.addTask {
                    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 1)
                    defer { buffer.deallocate() }
                    while case let count = try await self.client.read(into: buffer), count > 0 {
                        let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<count])
                        self.trace?.sent(bytes)
                        try await self.target.write(bytes)
                        self.clientToTarget.add(count, ordering: .relaxed)
                    }
                    try? self.target.shutdown(.write)
                }
                group.addTask {
                    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 1)
                    defer { buffer.deallocate() }
                    while case let count = try await self.target.read(into: buffer), count > 0 {
                        let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<count])
                        self.trace?.received(bytes)
                        try await self.client.write(bytes)
                        self.targetToClient.add(count, ordering: .relaxed)
                    }
                    try? self.client.socket.shutdown(.write)
                }
            }
            do {
                try await group.waitForAll()
            } catch {
                // The other direction may be waiting for bytes that will never come.
                try? client.socket.shutdown(.both)
                try? target.shutdown(.both)
                throw error
            }
        }
    }
}
