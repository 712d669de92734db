/// The header of a `files` response (SPEC §4).
///
/// On the wire: `{"ok":true}` (put), `{"ok":true,"size":S,"sha256":HEX}` followed by S
/// bytes (get), `{"ok":true,"files":[{"name":N,"size":S}, ...]}` (list), or
/// `{"ok":false,"error":"..."}`.
///
/// A list whose header would pass the SPEC's 64 KiB header limit holds the first files
/// (by name) that fit, and `"truncated": true`.
public struct FilesResponse: Codable, Sendable, Equatable {
    /// One file of a list.
    public struct Entry: Codable, Sendable, Equatable {
        /// Its name.
        public var name: String
        /// Its size in bytes.
        public var size: Int

        /// Creates an entry.
        public init(name: String, size: Int) {
            self.name = name
            self.size = size
        }
    }

    /// Whether the request succeeded.
    public var ok: Bool
    /// Why it failed.
    public var error: String?
    /// The body's length (get).
    public var size: Int?
    /// The body's SHA-256, 64 lower-case hex digits (get).
    public var sha256: String?
    /// The files (list).
    public var files: [Entry]?
    /// Whether the list was cut short to fit the header limit.
    public var truncated: Bool?

    /// Creates a response.
    public init(
        ok: Bool, error: String? = nil, size: Int? = nil, sha256: String? = nil, files: [Entry]? = nil, truncated: Bool? = nil
    ) {
        self.ok = ok
        self.error = error
        self.size = size
        self.sha256 = sha256
        self.files = files
        self.truncated = truncated
    }
}
