import Foundation
import TestSupport
import Testing

@testable import Framing

/// Seed 003's Python framing code, run by python3, against our decoders and encoders.
@Suite struct PythonInteropTests {
    /// Runs `python3 -c script` with `input` on its standard input; returns its standard output.
    static func runPython(_ script: String, input: [UInt8] = []) throws -> [UInt8] {
        let result = try ChildProcess.run("/usr/bin/env", ["python3", "-c", script], input: input)
        #expect(result.status == 0, "python3 failed: \(result.standardError)")
        return result.standardOutput
    }

    /// The messages both sides build: empty, ASCII, UTF-8, binary, and line-end bytes.
    static let messages: [[UInt8]] = [
        [], Array("hello".utf8), Array("café 粘包".utf8),
        Array(repeating: (0...255).map { UInt8($0) }, count: 10).flatMap { $0 }, [0x0A, 0x0D, 0x00],
    ]
    static let pythonMessages = "[b'', b'hello', 'café 粘包'.encode(), bytes(range(256)) * 10, b'\\n\\r\\x00']"

    static func decodeAll<Decoder: MessageDecoder>(_ decoder: Decoder, _ stream: [UInt8]) throws -> [Decoder.Message]
    where Decoder.Message: Equatable {
        let verifier = DecoderVerifier(makeDecoder: { decoder }) { _, _ throws(FramingError) in }
        let messages = try verifier.decode(stream, chunkSizes: [1])
        #expect(try verifier.decode(stream, chunkSizes: [7, 1, 1024]) == messages)
        return messages
    }

    @Test func seedDecoder_ReadsWhatStructPackIWrites() throws {
        let stream = try Self.runPython(
            """
            import struct, sys
            sys.stdout.buffer.write(b''.join(struct.pack('i', len(b)) + b for b in \(Self.pythonMessages)))
            """)
        #expect(try Self.decodeAll(LengthPrefixedDecoder(.seed), stream) == Self.messages)
    }

    @Test func lengthDecoder_ReadsWhatStructPackBigEndianWrites() throws {
        let stream = try Self.runPython(
            """
            import struct, sys
            sys.stdout.buffer.write(b''.join(struct.pack('>I', len(b)) + b for b in \(Self.pythonMessages)))
            """)
        #expect(try Self.decodeAll(Framing.length.makeDecoder(), stream) == Self.messages)
    }

    @Test func lineDecoder_ReadsPythonLines() throws {
        let stream = try Self.runPython(
            """
            import sys
            sys.stdout.buffer.write(b'one\\r\\ntwo\\n\\nthree\\r\\n' + 'quatre é\\n'.encode())
            """)
        let lines = try Self.decodeAll(LineDecoder(), stream)
        #expect(lines == ["one", "two", "", "three", "quatre é"].map { Array($0.utf8) })
    }

    struct FileHeader: Codable, Equatable {
        var op: String
        var name: String
        var size: Int
    }

    @Test func jsonHeaderDecoder_ReadsSeedCustomHeaders() throws {
        let stream = try Self.runPython(
            """
            import json, struct, sys
            messages = [
                ({'cmd': 'ls -l'}, b''),
                ({'exit': 0, 'stdout': 3, 'stderr': 2, 'size': 5, 'truncated': False}, b'abcde'),
                ({'op': 'put', 'name': 'données.txt', 'size': 4}, b'\\x00\\x01\\x02\\x03'),
                ({'nested': {'size': 99}, 'list': [1, 2.5, None, True, '\\u2028\\t"'], 'size': 0}, b''),
            ]
            out = b''
            for header, body in messages:
                h = json.dumps(header).encode()
                out += struct.pack('>I', len(h)) + h + body
            h = json.dumps({'op': 'get', 'name': '日本語', 'size': 1}, ensure_ascii=False).encode('utf-8')
            out += struct.pack('>I', len(h)) + h + b'Z'
            sys.stdout.buffer.write(out)
            """)
        let messages = try Self.decodeAll(JSONHeaderDecoder(), stream)
        #expect(messages.map(\.body) == [[], Array("abcde".utf8), [0, 1, 2, 3], [], Array("Z".utf8)])
        #expect(messages.first?.header == Array("{\"cmd\": \"ls -l\"}".utf8))
        #expect(try messages[2].decodeHeader(FileHeader.self) == FileHeader(op: "put", name: "données.txt", size: 4))
        #expect(try messages[4].decodeHeader(FileHeader.self) == FileHeader(op: "get", name: "日本語", size: 1))
    }

    @Test func seedEncoder_WritesWhatStructUnpackIReads() throws {
        var stream: [UInt8] = []
        for message in Self.messages {
            try LengthPrefixedEncoder(.seed).encode(message, into: &stream)
        }
        let output = try Self.runPython(
            """
            import struct, sys
            data = sys.stdin.buffer.read()
            messages, i = [], 0
            while i < len(data):
                n = struct.unpack('i', data[i:i + 4])[0]
                messages.append(data[i + 4:i + 4 + n])
                i += 4 + n
            assert i == len(data)
            print('ok' if messages == \(Self.pythonMessages) else messages)
            """, input: stream)
        #expect(String(decoding: output, as: UTF8.self) == "ok\n")
    }

    @Test func jsonHeaderEncoder_WritesWhatSeedCustomHeaderReaderReads() throws {
        var stream: [UInt8] = []
        let encoder = JSONHeaderEncoder()
        try encoder.encode(
            JSONHeaderMessage(header: FileHeader(op: "put", name: "é.txt", size: 3), body: [1, 2, 3]), into: &stream)
        try encoder.encode(JSONHeaderMessage(header: [UInt8]("{\"op\": \"list\"}".utf8)), into: &stream)
        try encoder.encode(JSONHeaderMessage(header: ["argv": ["ls", "-l"]], body: Array("out".utf8)), into: &stream)
        let output = try Self.runPython(
            """
            import json, struct, sys
            data = sys.stdin.buffer.read()
            messages, i = [], 0
            while i < len(data):
                h = struct.unpack('>I', data[i:i + 4])[0]
                header = json.loads(data[i + 4:i + 4 + h].decode('utf-8'))
                size = header.get('size', 0)
                messages.append((header, data[i + 4 + h:i + 4 + h + size]))
                i += 4 + h + size
            assert i == len(data)
            expected = [
                ({'op': 'put', 'name': 'é.txt', 'size': 3}, b'\\x01\\x02\\x03'),
                ({'op': 'list'}, b''),
                ({'argv': ['ls', '-l'], 'size': 3}, b'out'),
            ]
            print('ok' if messages == expected else messages)
            """, input: stream)
        #expect(String(decoding: output, as: UTF8.self) == "ok\n")
    }
}
