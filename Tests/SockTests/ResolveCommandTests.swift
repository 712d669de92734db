import Foundation
import Testing

extension E2ESuite {
    /// `sock resolve`: what getaddrinfo returns.
    @Suite struct ResolveCommandTests {
        @Test func resolve_ListsLoopback_ForLocalhost() throws {
            let result = try E2ERun.sock(["resolve", "localhost"])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText.contains("127.0.0.1"))
            #expect(result.standardError == "")
        }

        @Test func resolve_IncludesThePort_WhenGivenOne() throws {
            let result = try E2ERun.sock(["resolve", "localhost", "8080"])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText.contains("127.0.0.1:8080"))
        }

        @Test func resolve_AcceptsNumericAddressesAndServiceNames() throws {
            let v6 = try E2ERun.sock(["resolve", "::1", "443"])
            #expect(v6.status == 0, "stderr: \(v6.standardError)")
            #expect(v6.outputText.contains("[::1]:443"))
            let service = try E2ERun.sock(["resolve", "127.0.0.1", "http"])
            #expect(service.status == 0, "stderr: \(service.standardError)")
            #expect(service.outputText.contains("127.0.0.1:80"))
        }

        @Test(arguments: ["99999", "65536", "4294967297"])
        func resolve_Fails_WhenThePortIsOutOfRange(_ port: String) throws {
            let result = try E2ERun.sock(["resolve", "localhost", port])
            #expect(result.status != 0)
            #expect(result.standardError == "sock: port \(port) is out of range (0-65535)\n")
            #expect(result.standardOutput.isEmpty)
        }

        @Test func resolve_AcceptsTheHighestPort() throws {
            let result = try E2ERun.sock(["resolve", "127.0.0.1", "65535"])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            #expect(result.outputText.contains("127.0.0.1:65535"))
        }

        @Test(arguments: [
            ["resolve", "bad!host"], ["resolve", "no..such..host", "80"], ["resolve", "localhost", "no-such-service"],
            ["resolve"],
        ])
        func resolve_PrintsOneErrorLine_AndFails(_ arguments: [String]) throws {
            let result = try E2ERun.sock(arguments)
            #expect(result.status != 0)
            #expect(result.errorLines.count == 1, "stderr: \(result.standardError)")
            #expect(result.standardError.hasPrefix("sock: "))
            #expect(result.standardOutput.isEmpty)
        }

        @Test func resolve_PrintsOneLinePerResult_WithTypeAndCanonicalName() throws {
            let result = try E2ERun.sock(["resolve", "localhost", "80"])
            #expect(result.status == 0)
            let lines = result.outputLines.filter { !$0.isEmpty }
            #expect(lines.first == "inet tcp 127.0.0.1:80 (localhost)")
            #expect(lines.contains("inet udp 127.0.0.1:80"))
            let named = try E2ERun.sock(["resolve", "localhost", "http"])
            #expect(named.outputLines.first == "inet tcp 127.0.0.1:80 (localhost)", "a service name resolves too")
        }

        @Test func resolve_PrintsPortZero_ForANumericAddressWithoutPort() throws {
            let v4 = try E2ERun.sock(["resolve", "127.0.0.1"])
            #expect(v4.status == 0)
            #expect(v4.outputLines.contains { $0.contains("127.0.0.1:0") })
        }

        @Test func resolve_FailsWithOneLineNamingTheHost_ForAnUnknownHost() throws {
            let result = try E2ERun.sock(["resolve", "nosuch.invalid"])
            #expect(result.status != 0)
            #expect(result.standardOutput.isEmpty)
            let lines = result.standardError.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 2 && lines[1].isEmpty, "exactly one line: \(result.standardError)")
            #expect(result.standardError.hasPrefix("sock: "))
            #expect(result.standardError.contains("nosuch.invalid"))
        }

        @Test func resolve_FailsWithOneLineNamingTheMissingArgument_WithoutAHost() throws {
            let result = try E2ERun.sock(["resolve"])
            #expect(result.status != 0)
            #expect(result.standardOutput.isEmpty)
            #expect(result.standardError.hasPrefix("sock: "))
            #expect(result.standardError.contains("<host>"))
            #expect(result.standardError.split(separator: "\n").count == 1)
        }
    }
}
