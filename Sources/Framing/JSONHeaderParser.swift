/// A strict, allocation-free check of a JSON-header message's header: one UTF-8 JSON
/// object (RFC 8259: no trailing commas, no NaN, no raw control characters in strings),
/// and its top-level `size`.
///
/// Written here rather than with `JSONDecoder`, which accepts invalid UTF-8 in strings,
/// reads `1.0` and `1e2` as integers and lets the first of two `size` keys win (Python's
/// `json.loads` lets the last win): a peer and we must never disagree on where a body ends.
/// Iterative, so deep nesting cannot overflow the stack.
struct JSONHeaderParser {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Validates `header` and returns its top-level `size`: `nil` when it has none, the
    /// value clamped to `Int.max` when larger.
    ///
    /// - Throws: ``FramingError/malformedHeader(_:)`` when `header` is not UTF-8, not a
    ///   JSON object, has two `size` keys, or its `size` is not a non-negative integer.
    static func size(inHeader header: UnsafeRawBufferPointer) throws(FramingError) -> Int? {
        var parser = JSONHeaderParser(header)
        return try parser.parseObject()
    }

    private var current: UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private func invalid(_ what: String) -> FramingError {
        .malformedHeader("header is not valid JSON: \(what) at byte \(index)")
    }

    private mutating func parseObject() throws(FramingError) -> Int? {
        skipWhitespace()
        guard current == UInt8(ascii: "{") else {
            throw .malformedHeader("header is not a JSON object")
        }
        var size: Int?
        var openContainerIsObject: [Bool] = []
        var nextValueIsSize = false
        while true {
            skipWhitespace()
            guard let first = current else { throw invalid("unexpected end") }
            let isSize = nextValueIsSize
            nextValueIsSize = false
            if isSize && !(first == UInt8(ascii: "-") || isDigit(first)) {
                throw .malformedHeader("size is not a non-negative integer")
            }
            switch first {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                index += 1
                let isObject = first == UInt8(ascii: "{")
                openContainerIsObject.append(isObject)
                skipWhitespace()
                if current == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    index += 1
                    openContainerIsObject.removeLast()
                } else {
                    if isObject {
                        nextValueIsSize = try parseKey(atTopLevel: openContainerIsObject.count == 1)
                    }
                    continue
                }
            case UInt8(ascii: "\""):
                _ = try parseString(matchingSize: false)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let number = try parseNumber()
                if isSize {
                    guard let value = number, value >= 0 else {
                        throw .malformedHeader("size is not a non-negative integer")
                    }
                    guard size == nil else { throw .malformedHeader("size appears twice") }
                    size = value
                }
            case UInt8(ascii: "t"):
                try parseLiteral("true")
            case UInt8(ascii: "f"):
                try parseLiteral("false")
            case UInt8(ascii: "n"):
                try parseLiteral("null")
            default:
                throw invalid("unexpected character")
            }
            // A value is complete: close containers until one continues with ','.
            while true {
                skipWhitespace()
                guard let isObject = openContainerIsObject.last else {
                    guard current == nil else { throw invalid("data after the object") }
                    return size
                }
                guard let separator = current else { throw invalid("unexpected end") }
                index += 1
                if separator == UInt8(ascii: ",") {
                    if isObject {
                        skipWhitespace()
                        nextValueIsSize = try parseKey(atTopLevel: openContainerIsObject.count == 1)
                    }
                    break
                } else if separator == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    openContainerIsObject.removeLast()
                } else {
                    index -= 1
                    throw invalid("expected ',' or the end of a container")
                }
            }
        }
    }

    private mutating func skipWhitespace() {
        while let byte = current,
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\t")
        {
            index += 1
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Parses `"key":` and returns whether the key is `size` in the top-level object.
    private mutating func parseKey(atTopLevel: Bool) throws(FramingError) -> Bool {
        guard current == UInt8(ascii: "\"") else { throw invalid("expected a key") }
        let isSize = try parseString(matchingSize: atTopLevel)
        skipWhitespace()
        guard current == UInt8(ascii: ":") else { throw invalid("expected ':'") }
        index += 1
        return isSize
    }

    /// Parses a string starting at its opening quote; returns whether it spells `size`
    /// (escapes decoded) when `matchingSize` is set.
    private mutating func parseString(matchingSize: Bool) throws(FramingError) -> Bool {
        let sizeKey: [UInt16] = [0x73, 0x69, 0x7A, 0x65]  // "size"
        var matched = 0
        var matches = matchingSize
        index += 1
        while true {
            guard let byte = current else { throw invalid("unterminated string") }
            let unit: UInt16
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return matches && matched == sizeKey.count
            case UInt8(ascii: "\\"):
                unit = try parseEscape()
            case 0..<0x20:
                throw invalid("control character in a string")
            case 0x20..<0x80:
                unit = UInt16(byte)
                index += 1
            default:
                try skipMultibyteCharacter()
                unit = 0xFFFF
            }
            if matches {
                matches = matched < sizeKey.count && sizeKey[matched] == unit
                matched += 1
            }
        }
    }

    /// Parses an escape sequence starting at its backslash; returns the UTF-16 unit it stands for.
    private mutating func parseEscape() throws(FramingError) -> UInt16 {
        index += 1
        guard let escaped = current else { throw invalid("unterminated string") }
        index += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
            return UInt16(escaped)
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "u"):
            var unit: UInt16 = 0
            for _ in 0..<4 {
                guard let digit = current.flatMap(hexValue) else { throw invalid("bad \\u escape") }
                unit = unit << 4 | UInt16(digit)
                index += 1
            }
            return unit
        default:
            index -= 1
            throw invalid("bad escape")
        }
    }

    private func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Checks one UTF-8 encoded character of two to four bytes (RFC 3629: no overlong
    /// forms, no surrogates, nothing over U+10FFFF) and moves past it.
    private mutating func skipMultibyteCharacter() throws(FramingError) {
        let lead = bytes[index]
        let secondRange: ClosedRange<UInt8>
        let continuationCount: Int
        switch lead {
        case 0xC2...0xDF: (secondRange, continuationCount) = (0x80...0xBF, 1)
        case 0xE0: (secondRange, continuationCount) = (0xA0...0xBF, 2)
        case 0xE1...0xEC, 0xEE...0xEF: (secondRange, continuationCount) = (0x80...0xBF, 2)
        case 0xED: (secondRange, continuationCount) = (0x80...0x9F, 2)
        case 0xF0: (secondRange, continuationCount) = (0x90...0xBF, 3)
        case 0xF1...0xF3: (secondRange, continuationCount) = (0x80...0xBF, 3)
        case 0xF4: (secondRange, continuationCount) = (0x80...0x8F, 3)
        default: throw .malformedHeader("header is not UTF-8 at byte \(index)")
        }
        for offset in 1...continuationCount {
            let position = index + offset
            let valid = offset == 1 ? secondRange : 0x80...0xBF
            guard position < bytes.count, valid.contains(bytes[position]) else {
                throw .malformedHeader("header is not UTF-8 at byte \(index)")
            }
        }
        index += 1 + continuationCount
    }

    /// Parses a number; returns its value if it is an integer (clamped to `Int.max` or
    /// `-Int.max`), `nil` if it has a fraction or an exponent.
    private mutating func parseNumber() throws(FramingError) -> Int? {
        let isNegative = current == UInt8(ascii: "-")
        if isNegative { index += 1 }
        guard let first = current, isDigit(first) else { throw invalid("bad number") }
        var magnitude = 0
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            while let byte = current, isDigit(byte) {
                let digit = Int(byte - UInt8(ascii: "0"))
                magnitude = magnitude > (Int.max - digit) / 10 ? Int.max : magnitude * 10 + digit
                index += 1
            }
        }
        var isInteger = true
        if current == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            try skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            try skipDigits()
        }
        guard isInteger else { return nil }
        return isNegative ? -magnitude : magnitude
    }

    /// Skips one or more digits.
    private mutating func skipDigits() throws(FramingError) {
        guard let first = current, isDigit(first) else { throw invalid("bad number") }
        while let byte = current, isDigit(byte) { index += 1 }
    }

    private mutating func parseLiteral(_ literal: StaticString) throws(FramingError) {
        let count = literal.utf8CodeUnitCount
        let matches =
            count <= bytes.count - index
            && (0..<count).allSatisfy { bytes[index + $0] == literal.utf8Start[$0] }
        guard matches else { throw invalid("unexpected character") }
        index += count
    }
}
