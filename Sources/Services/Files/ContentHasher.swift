import Crypto

/// The SHA-256 of a file's contents, fed chunk by chunk, in the form the `files`
/// protocol carries it: 64 lower-case hex digits.
///
/// Python: `h = hashlib.sha256(); h.update(chunk); h.hexdigest()`.
public struct ContentHasher: Sendable {
    private var hasher = SHA256()

    /// Creates a hasher that has seen nothing.
    public init() {}

    /// Adds the next bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// The digest of everything added, in lower-case hex.
    public func finalize() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in hasher.finalize() {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The digest of `bytes`, in lower-case hex.
    public static func digest(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = ContentHasher()
        Array(bytes).withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    /// `hex` in lower case when it is a SHA-256 digest (64 hex digits, either case),
    /// else `nil`.
    public static func normalized(_ hex: String) -> String? {
        let lower = hex.lowercased()
        let isHexDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        guard lower.utf8.count == 64, lower.utf8.allSatisfy(isHexDigit) else { return nil }
        return lower
    }
}
