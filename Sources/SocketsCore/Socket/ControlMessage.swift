import CSockets
import SocketsReactor
import SocketsSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Ancillary data sent or received with ``Socket/sendMsg(_:control:to:flags:)`` and
/// ``Socket/recvMsg(_:controlCapacity:flags:)`` (C: `struct cmsghdr`; Python: the `ancdata` tuples).
public struct ControlMessage: Hashable, Sendable {
    /// The level (`SOL_SOCKET`, `IPPROTO_IP`, …).
    public var level: Int32
    /// The type (`SCM_RIGHTS`, `IP_PKTINFO`, …).
    public var type: Int32
    /// The payload.
    public var data: [UInt8]

    /// Creates a control message.
    public init(level: Int32, type: Int32, data: [UInt8]) {
        self.level = level
        self.type = type
        self.data = data
    }

    /// Passes open descriptors to the peer of a Unix-domain socket (`SCM_RIGHTS`).
    public static func fileDescriptors(_ descriptors: [Int32]) -> ControlMessage {
        ControlMessage(
            level: SOL_SOCKET, type: Int32(SCM_RIGHTS),
            data: descriptors.withUnsafeBytes { Array($0) })
    }

    /// The descriptors carried by an `SCM_RIGHTS` message, else nil. Received descriptors
    /// belong to the caller (close them, or adopt them with ``Socket/init(adopting:)``).
    public var fileDescriptors: [Int32]? {
        guard level == SOL_SOCKET, type == Int32(SCM_RIGHTS) else { return nil }
        return stride(from: 0, to: data.count - 3, by: 4).map { offset in
            data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
        }
    }

    /// The C buffer for `msg_control` holding `messages`.
    package static func encode(_ messages: [ControlMessage]) -> [UInt8] {
        let size = messages.reduce(0) { $0 + csockets_cmsg_space($1.data.count) }
        var buffer = [UInt8](repeating: 0, count: size)
        guard size > 0 else { return buffer }
        buffer.withUnsafeMutableBytes { raw in
            var header = msghdr()
            header.msg_control = raw.baseAddress
            header.msg_controllen = raw.count
            var current = csockets_cmsg_firsthdr(&header)
            for message in messages {
                guard let cmsg = current else { break }
                cmsg.pointee.cmsg_level = message.level
                cmsg.pointee.cmsg_type = message.type
                cmsg.pointee.cmsg_len = csockets_cmsg_len(message.data.count)
                let data = csockets_cmsg_data(cmsg)!
                message.data.withUnsafeBytes {
                    UnsafeMutableRawPointer(data).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
                }
                current = csockets_cmsg_nxthdr(&header, cmsg)
            }
        }
        return buffer
    }

    /// The control messages in a received `msghdr`.
    package static func decode(_ header: inout msghdr) -> [ControlMessage] {
        var messages: [ControlMessage] = []
        var current = csockets_cmsg_firsthdr(&header)
        while let cmsg = current {
            let headerLength = csockets_cmsg_len(0)
            let length = max(0, Int(cmsg.pointee.cmsg_len) - headerLength)
            let data = UnsafeRawBufferPointer(start: csockets_cmsg_data(cmsg), count: length)
            messages.append(ControlMessage(level: cmsg.pointee.cmsg_level, type: cmsg.pointee.cmsg_type, data: Array(data)))
            current = csockets_cmsg_nxthdr(&header, cmsg)
        }
        return messages
    }
}

/// A message received with ``Socket/recvMsg(_:controlCapacity:flags:)``.
public struct ReceivedMessage: Sendable {
    /// The data (at most the requested size).
    public var bytes: [UInt8]
    /// The sender, for datagram sockets.
    public var address: SocketAddress?
    /// The ancillary data.
    public var controlMessages: [ControlMessage]
    /// The kernel's flags for this message (`truncated`, `controlTruncated`, …).
    public var flags: MessageFlags
    /// Whether the datagram was longer than the buffer and was cut (`MSG_TRUNC`).
    public var isTruncated: Bool { flags.contains(.truncated) }
}
