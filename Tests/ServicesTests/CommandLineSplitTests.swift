import Services
import Testing

@Suite("CommandLineSplitter")
struct CommandLineSplitTests {
    @Test("quotes and backslashes follow the POSIX shell")
    func split_FollowsShellQuoting() throws {
        #expect(try CommandLineSplitter.split(#"echo 'a b' "c;d" \$HOME"#) == ["echo", "a b", "c;d", "$HOME"])
        #expect(try CommandLineSplitter.split("  ls   -l\t/tmp\n") == ["ls", "-l", "/tmp"])
        #expect(try CommandLineSplitter.split(#"a'b'"c"\d"#) == ["abcd"])
        #expect(try CommandLineSplitter.split(#"'it'\''s'"#) == ["it's"])
        #expect(try CommandLineSplitter.split(#"x '' "" y"#) == ["x", "", "", "y"])
        #expect(try CommandLineSplitter.split(#"a\ b"#) == ["a b"])
    }

    @Test("inside double quotes a backslash escapes only \" \\ $ ` and newline")
    func split_DoubleQuoteEscapes() throws {
        #expect(
            try CommandLineSplitter.split(#""a\"b" "c\\d" "\$x" "\`y\`" "\n\t""#) == [#"a"b"#, #"c\d"#, "$x", "`y`", #"\n\t"#])
        #expect(try CommandLineSplitter.split("\"line\\\ncontinued\"") == ["linecontinued"])
        #expect(try CommandLineSplitter.split("one\\\ntwo") == ["onetwo"])
    }

    @Test("single quotes keep backslashes")
    func split_SingleQuotesAreLiteral() throws {
        #expect(try CommandLineSplitter.split(#"'a\b' '\'"#) == [#"a\b"#, #"\"#])
    }

    @Test("shell metacharacters are ordinary argument bytes")
    func split_MetacharactersAreLiteral() throws {
        #expect(
            try CommandLineSplitter.split("cat /etc/passwd | nc x 1 ; rm -rf / && echo $(id) `id` > out < in 2>&1 &")
                == [
                    "cat", "/etc/passwd", "|", "nc", "x", "1", ";", "rm", "-rf", "/", "&&", "echo", "$(id)", "`id`",
                    ">", "out", "<", "in", "2>&1", "&",
                ])
        #expect(
            try CommandLineSplitter.split("ls * ?.txt [ab] ~ #comment a=b {x,y}")
                == ["ls", "*", "?.txt", "[ab]", "~", "#comment", "a=b", "{x,y}"])
        #expect(try CommandLineSplitter.split("echo;id") == ["echo;id"])
    }

    @Test("a trailing backslash stays a backslash, as in bash")
    func split_TrailingBackslash() throws {
        #expect(try CommandLineSplitter.split(#"echo \"#) == ["echo", #"\"#])
    }

    @Test("non-ASCII text is kept whole")
    func split_KeepsUnicode() throws {
        #expect(try CommandLineSplitter.split("echo '你好 世界' é") == ["echo", "你好 世界", "é"])
    }

    @Test("unterminated quotes, empty command lines and NUL are errors")
    func split_Errors() {
        #expect(throws: CommandLineSplitter.SplitError.unterminatedQuote("'")) { try CommandLineSplitter.split("echo 'abc") }
        #expect(throws: CommandLineSplitter.SplitError.unterminatedQuote("\"")) { try CommandLineSplitter.split(#"echo "abc"#) }
        #expect(throws: CommandLineSplitter.SplitError.unterminatedQuote("\"")) { try CommandLineSplitter.split(#"echo "abc\"#) }
        #expect(throws: CommandLineSplitter.SplitError.empty) { try CommandLineSplitter.split("") }
        #expect(throws: CommandLineSplitter.SplitError.empty) { try CommandLineSplitter.split(" \t\n") }
        #expect(throws: CommandLineSplitter.SplitError.empty) { try CommandLineSplitter.split("\\\n") }
        #expect(throws: CommandLineSplitter.SplitError.nulCharacter) { try CommandLineSplitter.split("echo 'a\u{0}b'") }
    }
}
