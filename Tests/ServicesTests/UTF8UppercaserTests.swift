import Services
import Testing

@Suite("UTF8Uppercaser")
struct UTF8UppercaserTests {
    @Test("an empty chunk gives nothing and holds nothing back")
    func process_Empty() {
        var uppercaser = UTF8Uppercaser()
        #expect(uppercaser.process([UInt8]()) == [])
        #expect(uppercaser.process([UInt8](), isFinal: true) == [])
        #expect(uppercaser.process(Array("a".utf8)) == Array("A".utf8))
    }

    @Test("ASCII and Unicode are upper-cased with Unicode's rules")
    func uppercase_Unicode() {
        #expect(UTF8Uppercaser.uppercase(Array("hello, world 1".utf8)) == Array("HELLO, WORLD 1".utf8))
        #expect(UTF8Uppercaser.uppercase(Array("straße ǆ émile".utf8)) == Array("STRASSE Ǆ ÉMILE".utf8))
        #expect(UTF8Uppercaser.uppercase([]) == [])
    }

    @Test("bytes that are not UTF-8 pass unchanged between upper-cased text")
    func uppercase_InvalidBytesPass() {
        let input: [UInt8] = Array("ab".utf8) + [0xFF, 0xC3] + Array("é".utf8) + [0x80]
        #expect(UTF8Uppercaser.uppercase(input) == Array("AB".utf8) + [0xFF, 0xC3] + Array("É".utf8) + [0x80])
    }

    @Test("a character split across chunks at every byte is never corrupted")
    func process_SplitCharacters() {
        let text = "aé€😀ß"
        let bytes = Array(text.utf8)
        for first in 0...bytes.count {
            for second in first...bytes.count {
                var uppercaser = UTF8Uppercaser()
                var output = uppercaser.process(bytes[..<first])
                output += uppercaser.process(bytes[first..<second])
                output += uppercaser.process(bytes[second...], isFinal: true)
                #expect(output == Array("AÉ€😀SS".utf8), "split at \(first), \(second)")
            }
        }
    }

    @Test("an incomplete character at the end is held back, then emitted as it is when final")
    func process_IncompleteAtEnd() {
        var uppercaser = UTF8Uppercaser()
        #expect(uppercaser.process([0x61, 0xE2, 0x82]) == [0x41])
        #expect(uppercaser.process([UInt8](), isFinal: true) == [0xE2, 0x82])
    }
}
