import Testing

extension SocketTests {
    /// The `sock` executable, run as a user would.
    @Suite struct SockCommandTests {
        @Test func resolve_PrintsTheLoopbackAddress_ForLocalhost() throws {
            let result = try run(try builtProduct("sock"), ["resolve", "localhost", "80"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.outputLines.contains { $0.contains("127.0.0.1:80") }, "\(result.standardOutput)")
            #expect(result.standardError.isEmpty)
        }

        @Test func resolve_PrintsOneLinePerResult_WithTypeAndCanonicalName() throws {
            let result = try run(try builtProduct("sock"), ["resolve", "localhost", "80"])
            #expect(result.status == 0)
            let lines = result.outputLines.filter { !$0.isEmpty }
            #expect(lines.first == "inet tcp 127.0.0.1:80 (localhost)")
            #expect(lines.contains("inet udp 127.0.0.1:80"))
            let named = try run(try builtProduct("sock"), ["resolve", "localhost", "http"])
            #expect(named.outputLines.first == "inet tcp 127.0.0.1:80 (localhost)", "a service name resolves too")
        }

        @Test func resolve_AcceptsNumericAddresses_WithoutPort() throws {
            let v4 = try run(try builtProduct("sock"), ["resolve", "127.0.0.1"])
            #expect(v4.status == 0)
            #expect(v4.outputLines.contains { $0.contains("127.0.0.1:0") })
            let v6 = try run(try builtProduct("sock"), ["resolve", "::1", "443"])
            #expect(v6.status == 0)
            #expect(v6.outputLines.contains { $0.contains("[::1]:443") })
        }

        @Test func resolve_FailsWithOneLineOnStandardError_ForAnUnknownHost() throws {
            let result = try run(try builtProduct("sock"), ["resolve", "nosuch.invalid"])
            #expect(result.status != 0)
            #expect(result.standardOutput.isEmpty)
            let lines = result.standardError.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 2 && lines[1].isEmpty, "exactly one line: \(result.standardError)")
            #expect(result.standardError.hasPrefix("sock: "))
            #expect(result.standardError.contains("nosuch.invalid"))
        }

        @Test func resolve_FailsWithOneLine_WithoutAHost() throws {
            let result = try run(try builtProduct("sock"), ["resolve"])
            #expect(result.status != 0)
            #expect(result.standardOutput.isEmpty)
            #expect(result.standardError.hasPrefix("sock: "))
            #expect(result.standardError.contains("<host>"))
            #expect(result.standardError.split(separator: "\n").count == 1)
        }
    }
}
