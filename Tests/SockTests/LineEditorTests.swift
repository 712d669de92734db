import Testing

@testable import sock

/// `sock chat`'s line editor on its own: bytes as a terminal in raw mode sends them.
@Suite struct LineEditorTests {
    /// An editor that was fed `keys`, and what they asked.
    private func typed(_ keys: String) -> (LineEditor, [LineEditor.Event]) {
        var editor = LineEditor()
        let events = editor.feed(Array(keys.utf8))
        return (editor, events)
    }

    @Test func feed_InsertsPrintableText_AndSubmitsOnEnter() {
        let (editor, events) = typed("hello\rworld")
        #expect(events == [.submit("hello")])
        #expect(editor.line == "world")
        #expect(editor.cursor == 5)
    }

    @Test func feed_SubmitsOnce_WhenEnterIsCarriageReturnThenLineFeed() {
        let (editor, events) = typed("a\r\nb\nc\r\r")
        #expect(events == [.submit("a"), .submit("b"), .submit("c"), .submit("")])
        #expect(editor.line == "")
    }

    @Test func feed_DecodesUTF8_WhenACharacterArrivesByteByByte() {
        var editor = LineEditor()
        for byte in Array("né 你好 👋".utf8) { #expect(editor.feed([byte]) == []) }
        #expect(editor.line == "né 你好 👋")
        #expect(editor.cursor == 7)
    }

    @Test func feed_JoinsACombiningMark_ToTheCharacterBeforeIt() {
        let (editor, _) = typed("e\u{301}")
        #expect(editor.characters == ["e\u{301}"])
        #expect(editor.cursor == 1)
    }

    @Test func feed_DropsAnIncompleteCharacter_AndKeepsTheByteAfterIt() {
        var editor = LineEditor()
        _ = editor.feed([0xE4, 0xBD, UInt8(ascii: "x"), 0xFF])
        #expect(editor.line == "x")
    }

    @Test func backspace_DeletesTheCharacterBeforeTheCursor() {
        #expect(typed("héllo\u{7F}\u{7F}").0.line == "hél")
        #expect(typed("ab\u{8}").0.line == "a")
        #expect(typed("\u{7F}").0.line == "")
    }

    @Test func controlU_DeletesToTheStartOfTheLine() {
        let (editor, _) = typed("hello world\u{1B}[D\u{1B}[D\u{15}")
        #expect(editor.line == "ld")
        #expect(editor.cursor == 0)
    }

    @Test func controlW_DeletesTheWordBeforeTheCursor_AndTheSpacesAfterIt() {
        #expect(typed("say hello there  \u{17}").0.line == "say hello ")
        #expect(typed("say hello\u{17}\u{17}").0.line == "")
        #expect(typed("\u{17}").0.line == "")
    }

    @Test func arrows_MoveTheCursor_AndTextIsInsertedThere() {
        let (editor, _) = typed("hllo\u{1B}[D\u{1B}[D\u{1B}[D\u{1B}[De\u{1B}[C\u{1B}OC!")
        // Left 4 times reaches the start; right twice (CSI and SS3 forms), then `!`.
        #expect(editor.line == "ehl!lo")
        #expect(typed("ab\u{1B}[D\u{1B}[D\u{1B}[D\u{1B}[D").0.cursor == 0)
        #expect(typed("ab\u{1B}[C\u{1B}[C").0.cursor == 2)
    }

    @Test func homeEndAndDelete_MoveAndDelete() {
        #expect(typed("bc\u{1}a\u{5}d").0.line == "abcd")
        #expect(typed("bc\u{1B}[Ha\u{1B}[Fd").0.line == "abcd")
        #expect(typed("abc\u{1B}[H\u{1B}[3~").0.line == "bc")
    }

    @Test func otherEscapeSequences_AreIgnored() {
        let (editor, events) = typed("a\u{1B}[A\u{1B}[1;5C\u{1B}[15~b")
        #expect(editor.line == "ab")
        #expect(events == [])
    }

    @Test func controlD_Leaves_OnlyOnAnEmptyLine() {
        #expect(typed("\u{4}").1 == [.endOfInput])
        let (editor, events) = typed("ab\u{1B}[D\u{4}")
        #expect(events == [])
        #expect(editor.line == "a")
    }

    @Test func controlC_Leaves_WhateverIsTyped() {
        #expect(typed("half\u{3}").1 == [.interrupt])
    }

    @Test func redraw_ClearsTheLine_DrawsPromptAndText_AndPutsTheCursorBack() {
        #expect(typed("hello").0.redraw(prompt: "> ") == "\r\u{1B}[K> hello")
        #expect(typed("hello\u{1B}[D\u{1B}[D").0.redraw(prompt: "> ") == "\r\u{1B}[K> hello\u{1B}[2D")
        // Wide characters take two columns each.
        #expect(typed("你好\u{1}").0.redraw(prompt: "> ") == "\r\u{1B}[K> 你好\u{1B}[4D")
    }

    @Test func redraw_ShowsThePartAroundTheCursor_WhenTheLineIsWiderThanTheTerminal() {
        let long = String(repeating: "a", count: 15) + "bcdefgh"
        // 10 columns: the prompt, 7 of the line, one for the cursor at the end.
        #expect(typed(long).0.redraw(prompt: "> ", width: 10) == "\r\u{1B}[K> bcdefgh")
        #expect(typed(long + "\u{1}").0.redraw(prompt: "> ", width: 10) == "\r\u{1B}[K> aaaaaaa\u{1B}[7D")
        #expect(typed("abc").0.redraw(prompt: "> ", width: 10) == "\r\u{1B}[K> abc")
    }
}
