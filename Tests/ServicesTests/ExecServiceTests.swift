import Foundation
import Framing
import Services
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("ExecService", .timeLimit(.minutes(1)))
struct ExecServiceTests {
    typealias Harness = ExecFilesHarness

    /// A response header and the output that followed it.
    struct Reply: Sendable {
        var header: ExecResponse
        var body: [UInt8]
        var standardOutput: String { String(decoding: body.prefix(header.standardOutputCount), as: UTF8.self) }
        var standardError: String { String(decoding: body.dropFirst(header.standardOutputCount), as: UTF8.self) }
    }

    static func service(
        allow: [String], token: String? = nil, timeout: Duration = .seconds(10), maximumOutput: Int = 1024 * 1024,
        wireProtocol: ExecService.WireProtocol = .json
    ) -> ExecService {
        ExecService(
            allowList: ExecAllowList(allow), token: token,
            runner: CommandRunner(timeout: timeout, maximumOutput: maximumOutput), wireProtocol: wireProtocol)
    }

    /// Sends each request on one connection and returns the replies, in order.
    static func exchange(_ service: ExecService, _ requests: [ExecRequest]) async throws -> [Reply] {
        try await Harness.withServer(service) { address in
            try await onThread {
                let client = try JSONHeaderTestClient(address)
                return try requests.map { request in
                    try client.send(request)
                    let (header, body) = try client.receive(ExecResponse.self)
                    return Reply(header: header, body: body)
                }
            }
        }
    }

    static func exchange(_ service: ExecService, _ request: ExecRequest) async throws -> Reply {
        try await exchange(service, [request])[0]
    }

    // MARK: Running programs

    @Test("argv is passed to the program exactly, shell characters included")
    func argv_IsPassedExactly() async throws {
        let reply = try await Self.exchange(
            Self.service(allow: ["printf"]),
            ExecRequest(argv: ["printf", "%s|", "a b", "c;d", "$HOME", "*", "$(id)", "`id`", "x > y"]))
        #expect(reply.header == ExecResponse(exit: 0, standardOutputCount: reply.body.count))
        #expect(reply.standardOutput == "a b|c;d|$HOME|*|$(id)|`id`|x > y|")
    }

    @Test("cmd is split with shell quoting, without a shell")
    func cmd_IsSplitWithoutShell() async throws {
        let reply = try await Self.exchange(
            Self.service(allow: ["printf"]),
            ExecRequest(cmd: #"printf '%s|' 'a b' "c;d" \$HOME ; id | cat"#))
        #expect(reply.header.exit == 0)
        #expect(reply.standardOutput == "a b|c;d|$HOME|;|id|||cat|")
    }

    @Test("stdout then stderr in the body, and the exit code")
    func output_StdoutStderrAndExitCode() async throws {
        let reply = try await Self.exchange(
            Self.service(allow: ["sh"]), ExecRequest(argv: ["sh", "-c", "printf out; printf err >&2; exit 7"]))
        #expect(reply.header == ExecResponse(exit: 7, standardOutputCount: 3, standardErrorCount: 3))
        #expect(reply.body == Array("outerr".utf8))
    }

    @Test("a program killed by a signal reports 128 + the signal")
    func exit_SignalIsReportedLikeTheShell() async throws {
        let reply = try await Self.exchange(Self.service(allow: ["sh"]), ExecRequest(argv: ["sh", "-c", "kill -TERM $$"]))
        #expect(reply.header.exit == 128 + SIGTERM)
        #expect(reply.header.error == nil)
    }

    @Test("the connection serves several requests, pipelined ones included")
    func connection_ServesSeveralRequests() async throws {
        let replies = try await Harness.withServer(Self.service(allow: ["echo"])) { address in
            try await onThread {
                let client = try JSONHeaderTestClient(address)
                var bytes: [UInt8] = []
                for word in ["one", "two", "three"] {
                    let header = try JSONHeaderMessage(header: ExecRequest(argv: ["echo", word])).header
                    try LengthPrefixedEncoder(.length).encode(header, into: &bytes)
                }
                try client.socket.sendAll(bytes)
                return try (0..<3).map { _ in String(decoding: try client.receive(ExecResponse.self).body, as: UTF8.self) }
            }
        }
        #expect(replies == ["one\n", "two\n", "three\n"])
    }

    @Test("a long-running program does not delay other clients")
    func concurrency_OtherClientsAreServed() async throws {
        let (otherWasFirst, slow) = try await Harness.withServer(
            Self.service(allow: ["sleep", "echo"], timeout: .seconds(3))
        ) { address in
            try await onThread {
                let slowClient = try JSONHeaderTestClient(address)
                try slowClient.send(ExecRequest(argv: ["sleep", "30"]))
                let quickClient = try JSONHeaderTestClient(address)
                try quickClient.send(ExecRequest(argv: ["echo", "quick"]))
                _ = try quickClient.receive(ExecResponse.self)
                var pending = pollfd(fd: slowClient.socket.fileDescriptor, events: Int16(POLLIN), revents: 0)
                let otherWasFirst = poll(&pending, 1, 0) == 0
                return (otherWasFirst, try slowClient.receive(ExecResponse.self).header)
            }
        }
        #expect(otherWasFirst)
        #expect(slow.exit == 124)
    }

    // MARK: Refusals

    @Test("a program not in the allow list is refused, and the connection goes on")
    func allowList_RefusesOtherPrograms() async throws {
        let replies = try await Self.exchange(
            Self.service(allow: ["echo"]),
            [
                ExecRequest(argv: ["rm", "-rf", "/nonexistent-sockets-test"]), ExecRequest(cmd: "/bin/echo x"),
                ExecRequest(argv: ["echo", "still here"]),
            ])
        #expect(replies[0].header == ExecResponse(exit: 126, error: "not allowed: rm"))
        #expect(replies[1].header == ExecResponse(exit: 126, error: "not allowed: /bin/echo"))
        #expect(replies[2].standardOutput == "still here\n")
    }

    @Test("an allowed absolute path also allows its bare name, which runs that path")
    func allowList_AbsolutePathAllowsName() async throws {
        let replies = try await Self.exchange(
            Self.service(allow: ["/bin/echo"]),
            [
                ExecRequest(argv: ["echo", "by name"]), ExecRequest(argv: ["/bin/echo", "by path"]),
                ExecRequest(argv: ["/usr/bin/echo", "other path"]),
            ])
        #expect(replies[0].standardOutput == "by name\n")
        #expect(replies[1].standardOutput == "by path\n")
        #expect(replies[2].header.error == "not allowed: /usr/bin/echo")
    }

    @Test("argv[0] is the program as the client wrote it, not the path it resolved to")
    func argv0_IsTheProgramAsWritten() async throws {
        let replies = try await Self.exchange(
            Self.service(allow: ["ls", "/bin/sh"]),
            [
                ExecRequest(argv: ["ls", "/nonexistent-sockets-argv0"]),
                ExecRequest(argv: ["sh", "-c", "echo $0"]), ExecRequest(argv: ["/bin/sh", "-c", "echo $0"]),
            ])
        #expect(replies[0].standardError.hasPrefix("ls: "), "\(replies[0].standardError)")
        #expect(replies[1].standardOutput == "sh\n")
        #expect(replies[2].standardOutput == "/bin/sh\n")
    }

    @Test("matching is by exact text")
    func allowList_Matching() {
        let list = ExecAllowList(["ls", "/usr/bin/env"])
        #expect(list.resolve("ls") == "ls")
        #expect(list.resolve("/bin/ls") == nil)
        #expect(list.resolve("./ls") == nil)
        #expect(list.resolve("env") == "/usr/bin/env")
        #expect(list.resolve("bin/env") == nil)
        #expect(list.resolve("") == nil)
        #expect(ExecAllowList(["*"]).resolve("/anything") == "/anything")
        #expect(ExecAllowList(["*"]).allowsEverything)
    }

    @Test("a program that does not exist is reported with 127")
    func launch_NoSuchProgram() async throws {
        let replies = try await Self.exchange(
            Self.service(allow: ["*"]),
            [ExecRequest(argv: ["no-such-program-sockets-test"]), ExecRequest(argv: ["/nonexistent/program"])])
        #expect(replies[0].header == ExecResponse(exit: 127, error: "no such program: no-such-program-sockets-test"))
        #expect(replies[1].header == ExecResponse(exit: 127, error: "no such program: /nonexistent/program"))
    }

    @Test("a missing or wrong token is refused and ends the connection; the right one runs")
    func token_IsChecked() async throws {
        let service = Self.service(allow: ["echo"], token: "s3cret")
        let outcomes = try await Harness.withServer(service) { address in
            try await onThread {
                var outcomes: [(ExecResponse, Bool)] = []
                for token in [nil, "wrong", "s3cret-but-longer", ""] as [String?] {
                    let client = try JSONHeaderTestClient(address)
                    try client.send(ExecRequest(argv: ["echo", "hi"], token: token))
                    outcomes.append((try client.receive(ExecResponse.self).header, try client.isClosedByServer()))
                }
                let client = try JSONHeaderTestClient(address)
                try client.send(ExecRequest(argv: ["echo", "hi"], token: "s3cret"))
                let good = try client.receive(ExecResponse.self)
                return (outcomes, String(decoding: good.body, as: UTF8.self))
            }
        }
        #expect(outcomes.0[0].0 == ExecResponse(exit: 126, error: "token required"))
        for (header, closed) in outcomes.0.dropFirst() {
            #expect(header == ExecResponse(exit: 126, error: "bad token"))
            #expect(closed)
        }
        #expect(outcomes.0[0].1)
        #expect(outcomes.1 == "hi\n")
    }

    @Test("requests that cannot be understood get exit 2")
    func request_Malformed() async throws {
        let outcomes = try await Harness.withServer(Self.service(allow: ["echo"])) { address in
            try await onThread {
                var outcomes: [(ExecResponse, Bool)] = []
                for (header, body) in [
                    ("[1, 2]", ""), (#"{"argv": "echo"}"#, ""), (#"{"argv": ["echo"], "size": 2}"#, "hi"),
                    (#"{"argv": ["echo"], "cmd": "echo"}"#, ""), ("not json", ""),
                ] {
                    let client = try JSONHeaderTestClient(address)
                    try client.send(rawHeader: header, body: Array(body.utf8))
                    outcomes.append((try client.receive(ExecResponse.self).header, try client.isClosedByServer()))
                }
                return outcomes
            }
        }
        for (header, closed) in outcomes {
            #expect(header.exit == 2)
            #expect(header.error != nil)
            #expect(closed)
        }
        #expect(outcomes[2].0.error == "exec requests carry no body")
    }

    @Test("empty argv, NUL bytes and bad quoting are refused; the connection goes on")
    func request_BadCommands() async throws {
        let replies = try await Self.exchange(
            Self.service(allow: ["echo"]),
            [
                ExecRequest(argv: []), ExecRequest(argv: ["echo", "a\u{0}b"]), ExecRequest(cmd: "echo 'open"),
                ExecRequest(cmd: "   "), ExecRequest(argv: ["echo", "ok"]),
            ])
        #expect(replies[0].header == ExecResponse(exit: 2, error: "empty argv"))
        #expect(replies[1].header == ExecResponse(exit: 2, error: "an argument contains a NUL character"))
        #expect(replies[2].header == ExecResponse(exit: 2, error: "unterminated ' quote"))
        #expect(replies[3].header == ExecResponse(exit: 2, error: "empty command"))
        #expect(replies[4].standardOutput == "ok\n")
    }

    // MARK: Limits

    /// The processes (not zombies) of process group `group`, from /proc.
    static func liveProcesses(inGroup group: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // After "comm)": state, ppid, pgrp, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && fields[0] != "Z" && Int32(fields[2]) == group
        }
    }

    @Test("the timeout kills the whole process group, grandchildren included")
    func timeout_KillsProcessGroup() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let reply = try await Self.exchange(
            Self.service(allow: ["sh"], timeout: .milliseconds(1500)),
            ExecRequest(argv: ["sh", "-c", "echo $$; sleep 100 & sleep 100"]))
        #expect(clock.now - start < .seconds(8))
        #expect(reply.header.exit == 124)
        #expect(reply.header.error == "timed out after 1.5 s")
        let group = try #require(Int32(reply.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await eventually(within: .seconds(5)) { Self.liveProcesses(inGroup: group).isEmpty })
    }

    @Test("a background grandchild does not outlive the request")
    func group_IsKilledAfterTheProgramEnds() async throws {
        let reply = try await Self.exchange(
            Self.service(allow: ["sh"]),
            ExecRequest(argv: ["sh", "-c", "echo $$; sleep 100 > /dev/null 2>&1 &"]))
        #expect(reply.header.exit == 0)
        let group = try #require(Int32(reply.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await eventually(within: .seconds(5)) { Self.liveProcesses(inGroup: group).isEmpty })
    }

    @Test("output past --max-output is dropped and marked truncated")
    func maxOutput_Truncates() async throws {
        let reply = try await Self.exchange(
            Self.service(allow: ["sh"], maximumOutput: 1000),
            ExecRequest(argv: ["sh", "-c", "head -c 10000000 /dev/zero; echo done >&2; exit 3"]))
        #expect(reply.header.exit == 3)
        #expect(reply.header.truncated)
        #expect(reply.header.size == 1000)
        #expect(reply.body.count == 1000)
    }

    @Test("an endless writer cannot block or fill memory: it is cut off by the timeout")
    func maxOutput_EndlessWriter() async throws {
        let reply = try await Self.exchange(
            Self.service(allow: ["yes"], timeout: .milliseconds(1500), maximumOutput: 4096), ExecRequest(argv: ["yes"]))
        #expect(reply.header.exit == 124)
        #expect(reply.header.truncated)
        #expect(reply.body.count == 4096)
        #expect(reply.standardOutput.hasPrefix("y\ny\n"))
    }

    // MARK: Seed protocol

    @Test("seed protocol: raw command in, struct.pack('i')-framed stderr or stdout out, argv[0] as written")
    func seed_Exchange() async throws {
        let replies = try await Harness.withServer(Self.service(allow: ["echo", "ls"], wireProtocol: .seed)) { address in
            try await onThread {
                let socket = try Socket(address.family, .stream)
                socket.timeout = testTimeout
                defer { socket.close() }
                try socket.connect(to: address)
                var decoder = LengthPrefixedDecoder(.seed)
                return try ["echo hello 'big world'", "ls /nonexistent-sockets-test", "rm -rf /", "echo 'open"].map { command in
                    try socket.sendAll(Array(command.utf8))
                    guard let reply = try socket.recvMessage(&decoder) else {
                        throw HarnessError("the server closed the connection")
                    }
                    return String(decoding: reply, as: UTF8.self)
                }
            }
        }
        #expect(replies[0] == "hello big world\n")
        #expect(replies[1].contains("/nonexistent-sockets-test"))
        #expect(replies[1].contains("No such file"))
        // argv[0] is the program as the client wrote it, not the path PATH found.
        #expect(replies[1].hasPrefix("ls: cannot access"), "\(replies[1])")
        #expect(replies[2] == "exec: not allowed: rm\n")
        #expect(replies[3] == "exec: unterminated ' quote\n")
    }

    @Test("seed framing is struct.pack('i'): 4 bytes, little-endian")
    func seed_FramingBytes() async throws {
        let bytes = try await Harness.withServer(Self.service(allow: ["echo"], wireProtocol: .seed)) { address in
            try await onThread {
                let socket = try Socket(address.family, .stream)
                socket.timeout = testTimeout
                defer { socket.close() }
                try socket.connect(to: address)
                try socket.sendAll(Array("echo hi".utf8))
                try socket.shutdown(.write)
                return try BufferedSocket(socket).readToEnd(maximumLength: 1024)
            }
        }
        #expect(bytes == [3, 0, 0, 0] + Array("hi\n".utf8))
    }
}
