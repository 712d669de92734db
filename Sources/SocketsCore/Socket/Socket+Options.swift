import SocketsReactor
import SocketsSystem

#if canImport(Glibc)
    import Glibc
#endif

extension Socket {
    /// Sets a typed option.
    ///
    /// - Throws: ``SocketError`` from the kernel (e.g. `ENOPROTOOPT` for an option the
    ///   socket's protocol does not have).
    ///
    /// The corresponding C function is `setsockopt`; Python: `socket.setsockopt(level, name, value)`.
    public func setOption<Value>(_ option: SocketOption<Value>, _ value: Value) throws(SocketError) {
        try setOption(level: option.level, name: option.name, bytes: option.encode(value))
    }

    /// Reads a typed option.
    ///
    /// The corresponding C function is `getsockopt`; Python: `socket.getsockopt(level, name)`.
    public func option<Value>(_ option: SocketOption<Value>) throws(SocketError) -> Value {
        option.decode(try self.option(level: option.level, name: option.name, maximumLength: 64))
    }

    /// Sets any option from its raw bytes.
    ///
    /// Python: `socket.setsockopt(level, name, bytes)`.
    public func setOption(level: Int32, name: Int32, bytes: [UInt8]) throws(SocketError) {
        try withDescriptor("setsockopt") { fd throws(SocketError) in
            try bytes.withUnsafeBytes { buffer in
                Syscall.setsockopt(fd, level, name, buffer.baseAddress!, socklen_t(buffer.count))
            }.get("setsockopt")
        }
    }

    /// Sets any option whose value is a C `int`.
    ///
    /// Python: `socket.setsockopt(level, name, int)`.
    public func setOption(level: Int32, name: Int32, value: Int32) throws(SocketError) {
        try setOption(level: level, name: name, bytes: encodeInt32(value))
    }

    /// Reads any option as raw bytes (at most `maximumLength`).
    ///
    /// Python: `socket.getsockopt(level, name, buflen)`.
    public func option(level: Int32, name: Int32, maximumLength: Int) throws(SocketError) -> [UInt8] {
        try withDescriptor("getsockopt") { fd throws(SocketError) in
            var bytes = [UInt8](repeating: 0, count: max(maximumLength, 1))
            var length = socklen_t(bytes.count)
            try bytes.withUnsafeMutableBytes { buffer in
                Syscall.getsockopt(fd, level, name, buffer.baseAddress!, &length)
            }.get("getsockopt")
            return Array(bytes.prefix(Int(length)))
        }
    }

    /// Reads any option whose value is a C `int`.
    ///
    /// Python: `socket.getsockopt(level, name)`.
    public func option(level: Int32, name: Int32) throws(SocketError) -> Int32 {
        decodeInt32(try option(level: level, name: name, maximumLength: 4))
    }
}
