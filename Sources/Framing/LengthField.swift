/// The length prefix of a length-prefixed message: how many bytes, in which byte order,
/// signed or not.
///
/// In Python's `struct` terms, ``length`` is `struct.pack('>I', n)` and ``seed`` is
/// `struct.pack('i', n)` (native order, which is little-endian on x86 and ARM).
public struct LengthField: Sendable, Hashable {
    /// The order of the length field's bytes.
    public enum ByteOrder: Sendable, Hashable {
        /// Most significant byte first: network byte order, Python's `'>'`.
        case big
        /// Least significant byte first: Python's `'<'`, and its native order on x86 and ARM.
        case little
    }

    /// The SPEC's `length` framing: 4-byte unsigned big-endian, Python's `struct.pack('>I', n)`.
    public static let length = LengthField(width: 4, byteOrder: .big, isSigned: false)

    /// The SPEC's `seed` framing: 4-byte signed little-endian, what seed 003's
    /// `struct.pack('i', len(data))` writes on x86 and ARM. A negative value is an error.
    public static let seed = LengthField(width: 4, byteOrder: .little, isSigned: true)

    /// The field's size in bytes: 1, 2, 4 or 8.
    public let width: Int
    /// The order of the field's bytes.
    public let byteOrder: ByteOrder
    /// Whether the field is a two's-complement signed integer (Python's lower-case
    /// `struct` codes) rather than an unsigned one (the upper-case codes).
    public let isSigned: Bool

    /// Creates a length field description.
    ///
    /// - Parameters:
    ///   - width: The field's size in bytes: 1, 2, 4 or 8; anything else is a
    ///     programming error and traps.
    ///   - byteOrder: The order of its bytes.
    ///   - isSigned: Whether it is signed.
    public init(width: Int, byteOrder: ByteOrder, isSigned: Bool) {
        precondition([1, 2, 4, 8].contains(width), "a length field is 1, 2, 4 or 8 bytes wide")
        self.width = width
        self.byteOrder = byteOrder
        self.isSigned = isSigned
    }

    /// The largest length the field can carry (`Int.max` for an unsigned 8-byte field).
    public var maximumValue: Int {
        let bits = 8 * width - (isSigned ? 1 : 0)
        return bits >= Int.bitWidth - 1 ? Int.max : (1 << bits) - 1
    }

    /// Reads the field from the first ``width`` bytes of `bytes`. An unsigned value over
    /// `Int.max` is clamped to `Int.max`; a signed one may be negative.
    func read(from bytes: UnsafeRawBufferPointer) -> Int {
        var value: UInt64 = 0
        switch byteOrder {
        case .big:
            for index in 0..<width {
                value = value << 8 | UInt64(bytes[index])
            }
        case .little:
            for index in (0..<width).reversed() {
                value = value << 8 | UInt64(bytes[index])
            }
        }
        guard isSigned else { return Int(clamping: value) }
        let unusedBits = UInt64(64 - 8 * width)
        return Int(truncatingIfNeeded: Int64(bitPattern: value << unusedBits) >> unusedBits)
    }

    /// Appends `length`, which must be in `0...maximumValue`, as the field's bytes.
    func write(_ length: Int, into buffer: inout [UInt8]) {
        let value = UInt64(length)
        switch byteOrder {
        case .big:
            for index in (0..<width).reversed() {
                buffer.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * index)))
            }
        case .little:
            for index in 0..<width {
                buffer.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * index)))
            }
        }
    }
}
