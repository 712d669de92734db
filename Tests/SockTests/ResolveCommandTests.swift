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

        @Test(arguments: [["resolve", "bad!host"], ["resolve", "no..such..host", "80"], ["resolve", "localhost", "no-such-service"], ["resolve"]])
        func resolve_PrintsOneErrorLine_AndFails(_ arguments: [String]) throws {
            let result = try E2ERun.sock(arguments)
            #expect(result.status != 0)
            #expect(result.errorLines.count == 1, "stderr: \(result.standardError)")
            #expect(result.standardError.hasPrefix("sock: "))
            #expect(result.standardOutput.isEmpty)
        }
    }
}
