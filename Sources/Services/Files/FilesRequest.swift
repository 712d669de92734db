/// The header of a `files` request (SPEC §4).
///
/// On the wire: `{"op":"put","name":N,"size":S,"sha256":HEX}` followed by S bytes,
/// `{"op":"get","name":N}`, or `{"op":"list"}`.
public struct FilesRequest: Codable, Sendable, Equatable {
    /// `put`, `get` or `list`.
    public var op: String
    /// The file's name (`put`, `get`): one path component, see the server's rules.
    public var name: String?
    /// The body's length in bytes (`put`).
    public var size: Int?
    /// The body's SHA-256, 64 hex digits (`put`).
    public var sha256: String?

    /// Creates a request.
    public init(op: String, name: String? = nil, size: Int? = nil, sha256: String? = nil) {
        self.op = op
        self.name = name
        self.size = size
        self.sha256 = sha256
    }
}
