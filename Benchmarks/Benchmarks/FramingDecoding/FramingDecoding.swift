// Decode throughput of our decoders against SwiftNIO-extras' decoders, on the same
// pre-encoded multi-frame input fed in 64 KiB chunks, as a socket read would deliver it.
//
// Each side receives a chunk in its own input type and takes ownership of the bytes once:
// ours copies from a pointer inside `feed`; NIO gets a freshly allocated `ByteBuffer`
// holding the chunk (what a channel's read produces), through an `EmbeddedChannel` with a
// `ByteToMessageHandler` followed by the application's handler, as NIO users do (for
// lines also through `NIOSingleStepByteToMessageProcessor`, NIO without a pipeline).
// One iteration decodes the whole input; MB/s and frames/s follow from its wall clock.

import Benchmark
import Framing
import NIOCore
import NIOEmbedded
import NIOExtras

/// The bytes of one iteration: frames of one size, encoded back to back.
struct Workload {
    static let totalSize = 4 * 1024 * 1024
    static let chunkSize = 64 * 1024

    let name: String
    let stream: [UInt8]
    let frameCount: Int

    /// `length` frames: a 4-byte big-endian length, then `payloadSize` bytes.
    static func lengthPrefixed(payloadSize: Int, name: String) -> Workload {
        let payload = (0..<payloadSize).map { UInt8(truncatingIfNeeded: $0) }
        let frameCount = totalSize / (payloadSize + 4)
        var stream: [UInt8] = []
        for _ in 0..<frameCount {
            try! LengthPrefixedEncoder(.length).encode(payload, into: &stream)
        }
        return Workload(name: name, stream: stream, frameCount: frameCount)
    }

    /// Lines of 63 printable bytes and a `\n`.
    static func lines() -> Workload {
        let line = (0..<63).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let frameCount = totalSize / 64
        var stream: [UInt8] = []
        for _ in 0..<frameCount {
            try! LineEncoder().encode(bytes: line, into: &stream)
        }
        return Workload(name: "line 64 B", stream: stream, frameCount: frameCount)
    }

    /// Calls `body` with each 64 KiB chunk of the stream.
    func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try stream.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + Self.chunkSize)
                try body(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
                offset = end
            }
        }
    }

    /// Decodes the stream with one of our decoders; returns the number of frames.
    func decodeWithFraming(_ makeDecoder: () -> some MessageDecoder<[UInt8]>) throws -> Int {
        var decoder = makeDecoder()
        var frames = 0
        try forEachChunk { chunk in
            decoder.feed(chunk)
            while let frame = try decoder.next() {
                blackHole(frame)
                frames += 1
            }
        }
        return frames
    }

    /// Decodes the stream with a NIO `ByteToMessageDecoder` in a channel pipeline, followed
    /// by the handler an application would have; returns the number of frames.
    func decodeWithNIOPipeline<Decoder: ByteToMessageDecoder>(_ makeDecoder: () -> Decoder) throws -> Int {
        let channel = EmbeddedChannel()
        let counter = FrameCounter()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(makeDecoder()))
        try channel.pipeline.syncOperations.addHandler(counter)
        try forEachChunk { chunk in
            try channel.writeInbound(channel.allocator.buffer(bytes: chunk))
        }
        _ = try channel.finish()
        return counter.frames
    }

    /// Decodes the stream with a NIO decoder driven directly by a
    /// `NIOSingleStepByteToMessageProcessor`, NIO's way to use a decoder outside a
    /// pipeline; returns the number of frames.
    func decodeWithNIOProcessor<Decoder: NIOSingleStepByteToMessageDecoder>(_ makeDecoder: () -> Decoder) throws -> Int
    where Decoder.InboundOut == ByteBuffer {
        let processor = NIOSingleStepByteToMessageProcessor(makeDecoder())
        let allocator = ByteBufferAllocator()
        var frames = 0
        try forEachChunk { chunk in
            try processor.process(buffer: allocator.buffer(bytes: chunk)) { frame in
                blackHole(frame)
                frames += 1
            }
        }
        return frames
    }
}

/// The application's handler after the NIO decoder: takes each frame.
final class FrameCounter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    var frames = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        blackHole(unwrapInboundIn(data))
        frames += 1
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 200
    )

    let lengthWorkloads = [
        Workload.lengthPrefixed(payloadSize: 64, name: "length 64 B"),
        Workload.lengthPrefixed(payloadSize: 1024, name: "length 1 KiB"),
        Workload.lengthPrefixed(payloadSize: 64 * 1024, name: "length 64 KiB"),
    ]
    for workload in lengthWorkloads {
        let suffix = "(\(workload.stream.count) bytes, \(workload.frameCount) frames)"
        Benchmark("\(workload.name) Framing \(suffix)") { _ in
            let frames = try workload.decodeWithFraming { LengthPrefixedDecoder(.length) }
            precondition(frames == workload.frameCount)
        }
        Benchmark("\(workload.name) NIO pipeline \(suffix)") { _ in
            let frames = try workload.decodeWithNIOPipeline {
                LengthFieldBasedFrameDecoder(lengthFieldBitLength: .fourBytes)
            }
            precondition(frames == workload.frameCount)
        }
    }

    let lines = Workload.lines()
    let suffix = "(\(lines.stream.count) bytes, \(lines.frameCount) frames)"
    Benchmark("\(lines.name) Framing \(suffix)") { _ in
        let frames = try lines.decodeWithFraming { LineDecoder() }
        precondition(frames == lines.frameCount)
    }
    Benchmark("\(lines.name) NIO pipeline \(suffix)") { _ in
        let frames = try lines.decodeWithNIOPipeline { LineBasedFrameDecoder() }
        precondition(frames == lines.frameCount)
    }
    Benchmark("\(lines.name) NIO processor \(suffix)") { _ in
        let frames = try lines.decodeWithNIOProcessor { LineBasedFrameDecoder() }
        precondition(frames == lines.frameCount)
    }
}
