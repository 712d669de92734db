import PropertyBased

/// Shared input generators for the property checks.
enum Generators {
    /// Chunk sizes for feeding a stream: mostly small, so that boundaries fall anywhere.
    static let chunkSizes = Gen.int(in: 1...80).array(of: 1...12)

    /// Arbitrary byte strings of up to `maximumLength` bytes.
    static func bytes(upTo maximumLength: Int) -> Generator<[UInt8], some Sequence & SendableMetatype> {
        Gen.uint8().array(of: 0...maximumLength)
    }

    /// Several messages of up to `maximumLength` bytes each, empty ones included.
    static func messages(upTo maximumLength: Int) -> Generator<[[UInt8]], some Sequence & SendableMetatype> {
        bytes(upTo: maximumLength).array(of: 0...8)
    }

    /// Several lines of up to `maximumLength` bytes each: no `\n` in them, but `\r`
    /// anywhere, the end included.
    static func lines(upTo maximumLength: Int) -> Generator<[[UInt8]], some Sequence & SendableMetatype> {
        Gen.uint8().map { $0 == UInt8(ascii: "\n") ? UInt8(ascii: "\r") : $0 }
            .array(of: 0...maximumLength)
            .array(of: 0...8)
    }
}
