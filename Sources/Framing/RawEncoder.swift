/// The `raw` framing's encoder: appends the message's bytes as they are, with no
/// boundary, like Python's `sock.sendall(data)`.
public struct RawEncoder: MessageEncoder {
    /// The bytes to send.
    public typealias Message = [UInt8]

    /// Creates an encoder.
    public init() {}

    /// Appends `message` unchanged. Never throws.
    ///
    /// - Parameters:
    ///   - message: The bytes to send.
    ///   - buffer: The output.
    public func encode(_ message: [UInt8], into buffer: inout [UInt8]) throws(FramingError) {
        encode(bytes: message, into: &buffer)
    }

    /// Appends `bytes` unchanged: ``encode(_:into:)`` for any byte collection.
    ///
    /// - Parameters:
    ///   - bytes: The bytes to send.
    ///   - buffer: The output.
    public func encode(bytes: some Collection<UInt8>, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: bytes)
    }
}
