import Framing
import Sockets

#if canImport(Glibc)
    import Glibc
#endif

/// `upper` (seeds 003/004): every message back upper-cased.
public struct UpperService: StreamService {
    /// The framing messages arrive and leave in.
    public let framing: Framing
    /// The longest message accepted (nil: the framing's default).
    public let maximumLength: Int?

    /// Creates the service.
    public init(framing: Framing = .line, maximumLength: Int? = nil) {
        self.framing = framing
        self.maximumLength = maximumLength
    }

    public func serve(_ connection: Connection) async throws {
        guard framing == .raw else {
            try await serveMessages(connection, framing: framing, maximumLength: maximumLength) { message in
                [UTF8Uppercaser.uppercase(message)]
            }
            return
        }
        var uppercaser = UTF8Uppercaser()
        for try await chunk in connection.messages(RawDecoder()) {
            let upper = uppercaser.process(chunk)
            if !upper.isEmpty { try await connection.write(upper) }
        }
        let rest = uppercaser.process([], isFinal: true)
        if !rest.isEmpty { try await connection.write(rest) }
    }
}

/// `hello` (seeds 000/001): greets with `Welcome!`, answers `Hello, M!`, ends on `exit`.
public struct HelloService: StreamService {
    /// The framing messages arrive and leave in.
    public let framing: Framing
    /// The longest message accepted (nil: the framing's default).
    public let maximumLength: Int?

    /// Creates the service.
    public init(framing: Framing = .line, maximumLength: Int? = nil) {
        self.framing = framing
        self.maximumLength = maximumLength
    }

    public func serve(_ connection: Connection) async throws {
        var welcome: [UInt8] = []
        try framing.encode(Array("Welcome!".utf8), into: &welcome)
        try await connection.write(welcome)
        try await serveMessages(connection, framing: framing, maximumLength: maximumLength) { message in
            if message == Array("exit".utf8) { return nil }
            return [Array("Hello, ".utf8) + message + Array("!".utf8)]
        }
    }
}

/// `time` (seed 002): answers `[TIMESTAMP] M`, the timestamp as Python's `time.ctime()`.
public struct TimeService: StreamService {
    /// The framing messages arrive and leave in.
    public let framing: Framing
    /// The longest message accepted (nil: the framing's default).
    public let maximumLength: Int?

    /// Creates the service.
    public init(framing: Framing = .line, maximumLength: Int? = nil) {
        self.framing = framing
        self.maximumLength = maximumLength
    }

    public func serve(_ connection: Connection) async throws {
        try await serveMessages(connection, framing: framing, maximumLength: maximumLength) { message in
            [Array("[\(Self.ctime())] ".utf8) + message]
        }
    }

    /// The local time as Python's `time.ctime()` writes it: `Sun Nov 22 01:50:47 2026`.
    public static func ctime() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var text = [CChar](repeating: 0, count: 32)
        let length = strftime(&text, text.count, "%a %b %e %H:%M:%S %Y", &parts)
        return String(decoding: text[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
