import CSockets
import SocketsReactor
import SocketsSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Flags for send and receive calls (C: `MSG_*`; Python: `socket.MSG_PEEK`, …).
public struct MessageFlags: OptionSet, Hashable, Sendable {
    /// The `MSG_*` bits.
    public var rawValue: Int32
    /// Creates flags from `MSG_*` bits.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Look at received data without removing it (`MSG_PEEK`).
    public static let peek = MessageFlags(rawValue: Int32(MSG_PEEK))
    /// Wait until the whole buffer is filled (`MSG_WAITALL`).
    public static let waitAll = MessageFlags(rawValue: Int32(MSG_WAITALL))
    /// Out-of-band data (`MSG_OOB`).
    public static let outOfBand = MessageFlags(rawValue: Int32(MSG_OOB))
    /// Bypass routing: destination must be on a local network (`MSG_DONTROUTE`).
    public static let doNotRoute = MessageFlags(rawValue: Int32(MSG_DONTROUTE))
    /// More data follows; the kernel may coalesce (`MSG_MORE`).
    public static let more = MessageFlags(rawValue: Int32(MSG_MORE))
    /// On receive: the datagram was larger than the buffer and was cut (`MSG_TRUNC`).
    public static let truncated = MessageFlags(rawValue: Int32(MSG_TRUNC))
    /// On receive: control data did not fit its buffer (`MSG_CTRUNC`).
    public static let controlTruncated = MessageFlags(rawValue: Int32(MSG_CTRUNC))
    /// End of record, for `SOCK_SEQPACKET` (`MSG_EOR`).
    public static let endOfRecord = MessageFlags(rawValue: Int32(MSG_EOR))
}
