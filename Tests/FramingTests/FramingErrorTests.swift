import Testing

@testable import Framing

@Suite struct FramingErrorTests {
    @Test func framingError_Description_SaysWhatWentWrong() {
        #expect(
            FramingError.messageTooLarge(length: 20, limit: 10).description == "message of 20 bytes is over the limit of 10 bytes"
        )
        #expect(FramingError.negativeLength(-1).description == "negative message length -1")
        #expect(
            FramingError.headerTooLarge(length: 70000, limit: 65536).description
                == "header of 70000 bytes is over the limit of 65536 bytes")
        #expect(
            FramingError.malformedHeader("header is not a JSON object").description
                == "malformed header: header is not a JSON object")
        #expect(FramingError.truncated(buffered: 3).description == "stream ended inside a message (3 bytes of it buffered)")
    }
}

extension FramingErrorTests {
    @Test func framingError_Description_SaysWhatWentWrong_ForRESP() {
        #expect(FramingError.malformedRESP("x").description == "malformed RESP: x")
        #expect(
            FramingError.tooManyElements(count: 9, limit: 8).description == "array of 9 elements is over the limit of 8 elements")
        #expect(FramingError.nestingTooDeep(limit: 16).description == "arrays nested deeper than the limit of 16")
    }
}
