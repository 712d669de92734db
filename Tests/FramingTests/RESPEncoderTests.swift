import Testing

@testable import Framing

@Suite struct RESPEncoderTests {
    @Test func respEncoder_EncodesACommand_AsAnArrayOfBulkStrings() {
        var buffer: [UInt8] = []
        RESPEncoder().encode(command: ["SET", "clé", ""], into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "*3\r\n$3\r\nSET\r\n$4\r\nclé\r\n$0\r\n\r\n")
    }

    @Test func respEncoder_EncodesEveryKind_AsRedisWritesIt() throws {
        let cases: [(RESPValue, String)] = [
            (.simpleString("OK"), "+OK\r\n"), (.error("ERR no"), "-ERR no\r\n"), (.integer(-42), ":-42\r\n"),
            (.bulkString(nil), "$-1\r\n"), (.array(nil), "*-1\r\n"), (.array([]), "*0\r\n"),
            (.array([.bulkString("a"), .integer(1)]), "*2\r\n$1\r\na\r\n:1\r\n"),
        ]
        for (value, wire) in cases {
            var buffer: [UInt8] = []
            try RESPEncoder().encode(value, into: &buffer)
            #expect(String(decoding: buffer, as: UTF8.self) == wire)
        }
    }

    @Test func respEncoder_RefusesALineBreakInASimpleString_AndLeavesTheBufferUnchanged() {
        var buffer = Array("kept".utf8)
        #expect(throws: FramingError.malformedRESP("a simple string or error contains \\r or \\n")) {
            try RESPEncoder().encode(.array([.integer(1), .simpleString("two\r\nlines")]), into: &buffer)
        }
        #expect(buffer == Array("kept".utf8))
    }
}
