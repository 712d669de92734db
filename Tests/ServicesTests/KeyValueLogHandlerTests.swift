import Logging
import Services
import Synchronization
import Testing

@Suite struct KeyValueLogHandlerTests {
    /// 2026-12-03T06:10:15.123Z
    static let time = (seconds: 1_796_278_215, nanoseconds: 123_456_789)

    @Test func line_HasTimeLevelMessageAndSortedMetadata() {
        let line = KeyValueLogHandler.line(
            time: Self.time, level: .info, message: "connection opened", metadata: ["peer": "127.0.0.1:5000", "a": "1"])
        #expect(line == "2026-12-03T06:10:15.123Z info connection opened a=1 peer=127.0.0.1:5000")
    }

    @Test func timestamp_IsUTCWithMilliseconds_PaddedWithZeros() {
        #expect(KeyValueLogHandler.timestamp((0, 0)) == "1970-01-01T00:00:00.000Z")
        #expect(KeyValueLogHandler.timestamp((951_782_400 + 3_661, 7_000_000)) == "2000-02-29T01:01:01.007Z")
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("127.0.0.1:80", "127.0.0.1:80"),
        ("[::1]:80", "[::1]:80"),
        ("unix:/tmp/s.sock", "unix:/tmp/s.sock"),
        ("", #""""#),
        ("my file é.txt", #""my file é.txt""#),
        ("é", #""é""#),
        (#"say "hi""#, #""say \"hi\"""#),
        (#"back\slash"#, #""back\\slash""#),
        ("a=b", #""a=b""#),
        ("two\nlines", #""two\nlines""#),
        ("tab\tand\u{1B}[31mred", #""tab\tand\u{1B}[31mred""#),
    ])
    func quoted_QuotesAndEscapes_WhenTheValueIsNotPlainASCII(_ value: String, _ expected: String) {
        #expect(KeyValueLogHandler.quoted(value) == expected)
    }

    @Test func line_KeepsOneLine_WhenTheMessageHoldsControlCharacters() {
        let line = KeyValueLogHandler.line(time: Self.time, level: .notice, message: "bad\nname\r", metadata: [:])
        #expect(line == #"2026-12-03T06:10:15.123Z notice bad\nname\r"#)
    }

    @Test func log_WritesAtTheLevelAndAbove_WithTheLoggersMetadata() {
        let written = Mutex<[String]>([])
        var logger = Logger(label: "test") { _ in
            KeyValueLogHandler(logLevel: .info) { line in written.withLock { $0.append(line) } }
        }
        logger[metadataKey: "node"] = "n1"
        logger.debug("hidden")
        logger.info("put", metadata: ["name": "my file é.txt", "size": "3"])
        logger.warning("careful")
        let lines = written.withLock { $0 }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasSuffix("\n") && $0.filter { $0 == "\n" }.count == 1 })
        #expect(lines.first?.hasSuffix(#" info put name="my file é.txt" node=n1 size=3"# + "\n") == true, "\(lines)")
        #expect(lines.last?.hasSuffix(" warning careful node=n1\n") == true, "\(lines)")
        #expect(lines.first?.wholeMatch(of: #/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z .*\n/#) != nil)
    }
}
