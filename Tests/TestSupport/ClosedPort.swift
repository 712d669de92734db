#if canImport(Glibc)
    import Glibc
#endif

/// A TCP port on the loopback address where nothing listens, so a connection to it is
/// refused: a socket bound to it but not listening, kept open until ``close()`` so that
/// no other test takes the port meanwhile.
///
/// Made with plain system calls, independently of the Sockets library under test.
public final class ClosedPort: @unchecked Sendable {
    // @unchecked: `descriptor` is written by `close()`, which a test calls once, from
    // the task that made the port.
    private var descriptor: Int32
    /// The port number.
    public let port: UInt16

    /// Binds a stream socket to port 0 of `127.0.0.1`, or of `::1` if `ipv6`.
    public init(ipv6: Bool = false) throws {
        let descriptor = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket failed: errno \(errno)") }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let bound = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address -> Bool in
                if ipv6 {
                    var loopback = sockaddr_in6()
                    loopback.sin6_family = sa_family_t(AF_INET6)
                    loopback.sin6_addr = in6addr_loopback
                    let result = withUnsafePointer(to: &loopback) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                        }
                    }
                    return result == 0 && getsockname(descriptor, address, &length) == 0
                }
                var loopback = sockaddr_in()
                loopback.sin_family = sa_family_t(AF_INET)
                loopback.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
                let result = withUnsafePointer(to: &loopback) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                return result == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else {
            let error = errno
            Glibc.close(descriptor)
            throw HarnessError("bind to a loopback port failed: errno \(error)")
        }
        self.descriptor = descriptor
        port = withUnsafePointer(to: &storage) { pointer in
            ipv6
                ? pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
                : pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// Releases the port.
    public func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    deinit { close() }
}
