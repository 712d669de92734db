import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler that writes one line per event, for people and for `grep`:
///
///     2026-12-03T06:10:15.123Z info put name="my file é.txt" peer=127.0.0.1:50312 size=3
///
/// The UTC time to the millisecond, the level, the message, then the metadata as
/// `key=value` sorted by key. A value that is empty or holds a space, `"`, `=`, `\`, a
/// control character or anything not ASCII is quoted, with `"` and `\` escaped and
/// control characters written as `\n`, `\t` or `\u{1B}`; the message's control
/// characters are escaped alike, so an event is always one line. (swift-log's own
/// `StreamLogHandler` quotes nothing and puts the metadata before the message.)
public struct KeyValueLogHandler: LogHandler {
    /// The least severe level written.
    public var logLevel: Logger.Level
    /// Metadata written with every event of this logger.
    public var metadata: Logger.Metadata = [:]
    private let write: @Sendable (String) -> Void

    /// Creates a handler.
    ///
    /// - Parameters:
    ///   - logLevel: The least severe level written.
    ///   - write: Writes one line (with its `\n`), e.g. to stderr; called on the logging thread.
    public init(logLevel: Logger.Level, write: @escaping @Sendable (String) -> Void) {
        self.logLevel = logLevel
        self.write = write
    }

    /// The metadata value for `key` attached to every event of this logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the event's line.
    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        write(Self.line(time: Self.now(), level: event.level, message: "\(event.message)", metadata: all) + "\n")
    }

    /// The line for an event at `time` (seconds and nanoseconds since 1970, UTC), without its `\n`.
    public static func line(
        time: (seconds: Int, nanoseconds: Int), level: Logger.Level, message: String, metadata: Logger.Metadata
    ) -> String {
        var line = timestamp(time) + " " + level.rawValue + " " + escaped(message)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " " + escaped(key) + "=" + quoted("\(value)")
        }
        return line
    }

    /// `value` as it stands, or in double quotes with `"`, `\` and control characters escaped.
    public static func quoted(_ value: String) -> String {
        let bare = !value.isEmpty && value.unicodeScalars.allSatisfy(isBare)
        guard !bare else { return value }
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            default: text += escaped(scalar)
            }
        }
        return text + "\""
    }

    /// Whether `scalar` may stand in an unquoted value: printable ASCII but `"`, `=`, `\`.
    private static func isBare(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value > 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "=" && scalar != "\\"
    }

    /// `2026-12-03T06:10:15.123Z` (ISO 8601, UTC, milliseconds).
    public static func timestamp(_ time: (seconds: Int, nanoseconds: Int)) -> String {
        var seconds = time_t(time.seconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        return digits(parts.tm_year + 1900, 4) + "-" + digits(parts.tm_mon + 1, 2) + "-" + digits(parts.tm_mday, 2) + "T"
            + digits(parts.tm_hour, 2) + ":" + digits(parts.tm_min, 2) + ":" + digits(parts.tm_sec, 2) + "."
            + digits(Int32(time.nanoseconds / 1_000_000), 3) + "Z"
    }

    /// `text` with its control characters escaped.
    private static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return text.unicodeScalars.map(escaped).joined()
    }

    /// A control character as `\n`, `\r`, `\t` or `\u{1B}`; anything else as itself.
    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": "\\n"
        case "\r": "\\r"
        case "\t": "\\t"
        case _ where scalar.properties.generalCategory == .control:
            "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        default: String(scalar)
        }
    }

    /// The time now, from the realtime clock (C: `clock_gettime(CLOCK_REALTIME)`).
    private static func now() -> (seconds: Int, nanoseconds: Int) {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return (Int(time.tv_sec), Int(time.tv_nsec))
    }
}
