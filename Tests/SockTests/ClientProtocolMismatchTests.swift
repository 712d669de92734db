import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// The exec and files clients, pointed at a server of another service, say so
    /// instead of printing the raw protocol failure.
    @Suite struct ClientProtocolMismatchTests {
        enum Client: String, CaseIterable {
            case ls, get, put, exec

            var protocolName: String { self == .exec ? "exec" : "files" }

            func arguments(_ address: String, directory: String) -> [String] {
                switch self {
                case .ls: ["ls", address]
                case .get: ["get", address, "a.txt", "-o", directory + "/a.txt"]
                case .put: ["put", address, directory + "/local.txt"]
                case .exec: ["exec", address, "--", "echo", "hi"]
                }
            }
        }

        @Test(arguments: Client.allCases, [["hello"], ["echo"], ["upper", "--framing", "raw"]])
        func client_SaysTheServerDoesNotSpeakItsProtocol_WhenPointedAtAnotherService(_ client: Client, _ service: [String]) throws
        {
            let temporary = try TemporaryDirectory("sock-e2e")
            defer { temporary.remove() }
            let directory = temporary.path
            try Data("local\n".utf8).write(to: URL(fileURLWithPath: directory + "/local.txt"))
            let server = try E2EServer.serve(service[0], Array(service.dropFirst()) + ["--quiet"])
            defer { server.stop() }

            let result = try E2ERun.sock(client.arguments(server.address, directory: directory), timeout: .seconds(10))
            #expect(result.status == 1)
            #expect(
                result.standardError
                    == "sock: the server at \(server.address) does not speak the \(client.protocolName) protocol\n")
            #expect(GetCommandTests.temporaryFiles(in: directory) == [])
        }
    }
}
