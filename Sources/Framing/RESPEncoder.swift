/// The encoder of RESP (version 2): any ``RESPValue``, and Redis commands, which are
/// arrays of bulk strings (`SET key value` is `*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n`).
///
/// The Python counterpart is `redis-py`'s `Connection.pack_command`.
public struct RESPEncoder: MessageEncoder {
    /// One value.
    public typealias Message = RESPValue

    /// Creates an encoder.
    public init() {}

    /// Appends `value`, encoded.
    ///
    /// - Parameters:
    ///   - value: The value; nested arrays are encoded whole.
    ///   - buffer: The output; unchanged when the value is refused.
    /// - Throws: ``FramingError/malformedRESP(_:)`` when a simple string or error contains
    ///   `\r` or `\n` (it would end its line early).
    public func encode(_ value: RESPValue, into buffer: inout [UInt8]) throws(FramingError) {
        let start = buffer.count
        do {
            try append(value, to: &buffer)
        } catch {
            buffer.removeSubrange(start...)
            throw error
        }
    }

    /// Appends a command: an array of bulk strings, one per argument.
    ///
    /// - Parameters:
    ///   - arguments: The command's name and arguments, e.g. `["SET", "key", "value"]`.
    ///   - buffer: The output.
    public func encode(command arguments: [String], into buffer: inout [UInt8]) {
        appendHeader(UInt8(ascii: "*"), arguments.count, to: &buffer)
        for argument in arguments {
            appendHeader(UInt8(ascii: "$"), argument.utf8.count, to: &buffer)
            buffer.append(contentsOf: argument.utf8)
            buffer.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
        }
    }

    private func append(_ value: RESPValue, to buffer: inout [UInt8]) throws(FramingError) {
        switch value {
        case .simpleString(let text):
            try appendLine(UInt8(ascii: "+"), text, to: &buffer)
        case .error(let text):
            try appendLine(UInt8(ascii: "-"), text, to: &buffer)
        case .integer(let number):
            appendHeader(UInt8(ascii: ":"), Int(number), to: &buffer)
        case .bulkString(nil):
            appendHeader(UInt8(ascii: "$"), -1, to: &buffer)
        case .bulkString(let bytes?):
            appendHeader(UInt8(ascii: "$"), bytes.count, to: &buffer)
            buffer.append(contentsOf: bytes)
            buffer.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
        case .array(nil):
            appendHeader(UInt8(ascii: "*"), -1, to: &buffer)
        case .array(let elements?):
            appendHeader(UInt8(ascii: "*"), elements.count, to: &buffer)
            for element in elements { try append(element, to: &buffer) }
        }
    }

    private func appendLine(_ type: UInt8, _ text: String, to buffer: inout [UInt8]) throws(FramingError) {
        if text.utf8.contains(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) {
            throw .malformedRESP("a simple string or error contains \\r or \\n")
        }
        buffer.append(type)
        buffer.append(contentsOf: text.utf8)
        buffer.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
    }

    private func appendHeader(_ type: UInt8, _ number: Int, to buffer: inout [UInt8]) {
        buffer.append(type)
        buffer.append(contentsOf: String(number).utf8)
        buffer.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
    }
}
