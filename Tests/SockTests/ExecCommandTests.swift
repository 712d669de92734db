import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("sock exec and sock serve exec", .timeLimit(.minutes(1)))
struct ExecCommandTests {
    @Test("sock exec: remote stdout, stderr and exit code; refusals as one line; SIGTERM exits 0")
    func exec_EndToEnd() async throws {
        let temporary = try TemporaryDirectory("sock-e2e")
        defer { temporary.remove() }
        let directory = temporary.path
        let tokenFile = directory + "/token"
        try "s3cret\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try "wrong\n".write(toFile: directory + "/wrong", atomically: true, encoding: .utf8)
        let server = try E2EServer.sock([
            "serve", "exec", "--listen", "127.0.0.1:0", "--allow", "printf", "--allow", "sh", "--token-file", tokenFile,
        ])
        #expect(server.address.hasPrefix("127.0.0.1:"))

        let printed = try await onThread {
            try E2ERun.sock(["exec", server.address, "--token-file", tokenFile, "--", "printf", "%s|", "a b", "c;d", "$HOME"])
        }
        #expect(printed.status == 0)
        #expect(printed.outputText == "a b|c;d|$HOME|")
        #expect(printed.standardError == "")

        let failing = try await onThread {
            try E2ERun.sock([
                "exec", server.address, "--token-file", tokenFile, "--", "sh", "-c", "echo out; echo err >&2; exit 5",
            ])
        }
        #expect(failing.status == 5)
        #expect(failing.outputText == "out\n")
        #expect(failing.standardError == "err\n")

        let refused = try await onThread {
            try E2ERun.sock(["exec", server.address, "--token-file", tokenFile, "--", "rm", "-rf", "/nonexistent-sock-test"])
        }
        #expect(refused.status == 126)
        #expect(refused.outputText == "")
        #expect(refused.standardError == "sock: not allowed: rm\n")

        let noToken = try await onThread { try E2ERun.sock(["exec", server.address, "--", "printf", "x"]) }
        #expect(noToken.status == 126)
        #expect(noToken.standardError == "sock: token required\n")

        let badToken = try await onThread {
            try E2ERun.sock(["exec", server.address, "--token-file", directory + "/wrong", "--", "printf", "x"])
        }
        #expect(badToken.status == 126)
        #expect(badToken.standardError == "sock: bad token\n")

        #expect(server.stop() == 0)
        #expect(server.standardError.wait(forText: #"exec argv="[\"printf\""#))
    }

    @Test("sock exec over a unix socket; the socket file is removed on SIGTERM")
    func exec_UnixSocket() async throws {
        let temporary = try TemporaryDirectory("sock-e2e")
        defer { temporary.remove() }
        let directory = temporary.path
        let path = directory + "/exec.sock"
        let server = try E2EServer.sock(["serve", "exec", "--listen", "unix:" + path, "--allow", "echo", "--quiet"])
        #expect(server.address == "unix:" + path)
        let echoed = try await onThread { try E2ERun.sock(["exec", server.address, "--", "echo", "over", "unix"]) }
        #expect(echoed.status == 0)
        #expect(echoed.outputText == "over unix\n")
        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a program that times out: its output so far, one line why, exit 124")
    func exec_Timeout() async throws {
        let server = try E2EServer.sock([
            "serve", "exec", "--listen", "127.0.0.1:0", "--allow", "sh", "--timeout", "1.5", "--quiet",
        ])
        let slow = try await onThread { try E2ERun.sock(["exec", server.address, "--", "sh", "-c", "echo started; sleep 30"]) }
        #expect(slow.status == 124)
        #expect(slow.outputText == "started\n")
        #expect(slow.standardError == "sock: timed out after 1.5 s\n")
        #expect(server.stop() == 0)
    }

    @Test("sock serve exec refuses to start without --allow, in one line")
    func serve_RequiresAllow() async throws {
        let outcome = try await onThread { try E2ERun.sock(["serve", "exec", "--listen", "127.0.0.1:0"]) }
        #expect(outcome.status != 0)
        #expect(outcome.outputText == "")
        #expect(outcome.standardError == "sock: exec needs at least one --allow PROGRAM (--allow '*' allows every program)\n")
    }

    @Test(
        "sock serve refuses an option the service does not take, in one line",
        arguments: [
            (["serve", "echo", "--allow", "ls"], "--allow is an exec option; echo does not take it"),
            (["serve", "upper", "--timeout", "5"], "--timeout is an exec option; upper does not take it"),
            (["serve", "files", "--root", "/tmp", "--protocol", "seed"], "--protocol is an exec option; files does not take it"),
            (["serve", "exec", "--allow", "ls", "--root", "/tmp"], "--root is a files option; exec does not take it"),
            (["serve", "chat", "--read-only"], "--read-only is a files option; chat does not take it"),
            (
                ["serve", "exec", "--allow", "ls", "--framing", "line"],
                "exec has its own protocol; --framing is for echo, upper, hello, time and chat"
            ),
            (
                ["serve", "echo", "--udp", "--framing", "line"],
                "--framing is for streams: with --udp every datagram is one message"
            ),
        ])
    func serve_RefusesOptionsOfAnotherService(arguments: [String], message: String) async throws {
        let outcome = try await onThread { try E2ERun.sock(arguments + ["--listen", "127.0.0.1:0"]) }
        #expect(outcome.status != 0)
        #expect(outcome.outputText == "")
        #expect(outcome.standardError == "sock: \(message)\n")
    }

    @Test("--allow '*' warns on stderr")
    func serve_AllowAllWarns() async throws {
        let server = try E2EServer.sock(["serve", "exec", "--listen", "127.0.0.1:0", "--allow", "*"])
        let outcome = try await onThread { try E2ERun.sock(["exec", server.address, "--", "true"]) }
        #expect(outcome.status == 0)
        #expect(server.stop() == 0)
        #expect(server.standardError.wait(forText: "warning --allow '*' lets every client"))
    }

    @Test("sock exec to nobody: one line, non-zero")
    func exec_ConnectionRefused() async throws {
        let temporary = try TemporaryDirectory("sock-e2e")
        defer { temporary.remove() }
        let directory = temporary.path
        let outcome = try await onThread { try E2ERun.sock(["exec", "unix:" + directory + "/nobody.sock", "--", "ls"]) }
        #expect(outcome.status == 1)
        #expect(outcome.standardError.hasPrefix("sock: connect unix:"))
        #expect(outcome.standardError.filter { $0 == "\n" }.count == 1)
    }

    @Test(
        "seed 003's own client, ported to Python 3, works against --protocol seed",
        .enabled(if: Products.isOnPath("python3"), "python3 is not installed"))
    func seedClient_Python() async throws {
        let server = try E2EServer.sock([
            "serve", "exec", "--listen", "127.0.0.1:0", "--allow", "echo", "--allow", "ls", "--protocol", "seed", "--quiet",
        ])
        let port = String(server.address.split(separator: ":").last ?? "")
        let outcome = try await onThread {
            try E2ERun.python(
                "seed003_exec_client.py", ["127.0.0.1", port],
                input: "echo hello 'seed world'\n\nls /nonexistent-sock-test\nrm -rf /\nquit\necho never\n")
        }
        #expect(outcome.status == 0)
        let lines = outcome.outputText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "<class 'int'> 17")
        #expect(lines[1] == "hello seed world")
        #expect(lines[3].hasPrefix("<class 'int'> "))
        #expect(lines[4].contains("/nonexistent-sock-test"))
        #expect(lines[6] == "<class 'int'> 22")
        #expect(lines[7] == "exec: not allowed: rm")
        #expect(!outcome.outputText.contains("never"))
        #expect(server.stop() == 0)
    }
}
