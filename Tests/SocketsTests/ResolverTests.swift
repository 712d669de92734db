import Foundation
import Sockets
import Testing

extension SocketTests {
    @Suite struct ResolverTests {
        @Test func addressInfo_ReturnsLoopback_ForLocalhost() throws {
            let results = try Resolver.addressInfo(host: "localhost", port: "80", family: .inet, type: .stream)
            let first = try #require(results.first)
            #expect(results.map(\.address).contains(.ipv4(.loopback, port: 80)))
            #expect(first.family == .inet)
            #expect(first.type == .stream)
            #expect(first.protocol == .tcp)
            #expect(first.description == "inet tcp 127.0.0.1:80")
        }

        @Test func addressInfo_ReturnsEverySocketType_WhenTypeIsNil() throws {
            let results = try Resolver.addressInfo(host: "127.0.0.1", port: "53", flags: [.numericHost])
            #expect(Set(results.map(\.type)).isSuperset(of: [.stream, .datagram]))
            #expect(results.contains { $0.type == .datagram && $0.protocol == .udp && $0.description == "inet udp 127.0.0.1:53" })
            #expect(Set(results.map(\.address)) == [.ipv4(.loopback, port: 53)])
        }

        @Test func addressInfo_ResolvesIPv6Literals() throws {
            let results = try Resolver.addressInfo(host: "::1", port: "7", family: .inet6, type: .datagram)
            #expect(results.map(\.address) == [.ipv6(.loopback, port: 7)])
            #expect(results.first?.family == .inet6)
        }

        @Test func addressInfo_ReturnsTheWildcard_WhenPassiveWithoutHost() throws {
            let results = try Resolver.addressInfo(host: nil, port: "8080", family: .inet, type: .stream, flags: [.passive])
            #expect(results.map(\.address) == [.ipv4(.any, port: 8080)])
            let active = try Resolver.addressInfo(host: nil, port: "8080", family: .inet, type: .stream)
            #expect(active.map(\.address) == [.ipv4(.loopback, port: 8080)])
        }

        @Test func portOfService_ReadsServicesFile_AndThrowsForUnknownNames() throws {
            try #require(FileManager.default.fileExists(atPath: "/etc/services"), "/etc/services is needed for service names")
            #expect(try Resolver.port(ofService: "http") == 80)
            #expect(try Resolver.port(ofService: "ssh", protocol: "tcp") == 22)
            #expect(try Resolver.port(ofService: "domain", protocol: "udp") == 53)
            let error = #expect(throws: SocketError.self) { try Resolver.port(ofService: "no-such-service") }
            #expect(error?.kind == .nameResolution)
            #expect(error?.description == "getservbyname: 'no-such-service': unknown tcp service")
        }

        @Test func resolve_TakesServiceNamesAsPorts() throws {
            try #require(FileManager.default.fileExists(atPath: "/etc/services"), "/etc/services is needed for service names")
            #expect(try Resolver.resolve("127.0.0.1:http") == [.ipv4(.loopback, port: 80)])
            #expect(try Resolver.resolve("[::1]:ssh") == [.ipv6(.loopback, port: 22)])
            #expect(try Resolver.resolve("127.0.0.1:domain", type: .datagram) == [.ipv4(.loopback, port: 53)])
            let error = #expect(throws: SocketError.self) { try Resolver.resolve("127.0.0.1:no-such-service") }
            #expect(error?.kind == .invalidArgument)
            #expect(
                error?.reason
                    == "'127.0.0.1:no-such-service': 'no-such-service' is neither a port number (0 to 65535) nor a known tcp service"
            )
        }

        @Test func resolve_KeepsToTheFamilyAsked_ForNumericAddresses() throws {
            #expect(try Resolver.resolve("127.0.0.1:80", family: .inet) == [.ipv4(.loopback, port: 80)])
            let error = #expect(throws: SocketError.self) { try Resolver.resolve("127.0.0.1:80", family: .inet6) }
            #expect(error?.kind == .nameResolution)
        }

        @Test func addressInfo_ResolvesServiceNames_UnlessNumericServiceIsRequired() throws {
            try #require(FileManager.default.fileExists(atPath: "/etc/services"), "/etc/services is needed for service names")
            let results = try Resolver.addressInfo(host: "127.0.0.1", port: "http", type: .stream)
            #expect(results.first?.address.port == 80)
            expectSocketError(.nameResolution) {
                _ = try Resolver.addressInfo(host: "127.0.0.1", port: "http", type: .stream, flags: [.numericService])
            }
        }

        @Test func addressInfo_RefusesNames_WhenNumericHostIsRequired() {
            let error = expectSocketError(.nameResolution) {
                _ = try Resolver.addressInfo(host: "localhost", port: "80", flags: [.numericHost])
            }
            #expect(error?.operation == "getaddrinfo")
            #expect(error?.description.hasPrefix("getaddrinfo: localhost port 80: ") == true, "\(String(describing: error))")
        }

        @Test func addressInfo_ReportsTheCanonicalName_WhenAsked() throws {
            let results = try Resolver.addressInfo(
                host: "localhost", port: nil, family: .inet, type: .stream, flags: [.canonicalName])
            #expect(results.first?.canonicalName == "localhost")
            #expect(results.first?.address == .ipv4(.loopback, port: 0))
            #expect(results.first?.description == "inet tcp 127.0.0.1:0 (localhost)")
            let plain = try Resolver.addressInfo(host: "localhost", family: .inet, type: .stream)
            #expect(plain.first?.canonicalName == nil)
        }

        @Test func addressInfo_MapsIPv4IntoIPv6_WhenV4MappedIsAsked() throws {
            let results = try Resolver.addressInfo(
                host: "127.0.0.1", port: "1", family: .inet6, type: .stream, flags: [.v4Mapped])
            #expect(results.map(\.address) == [.ipv6(IPv6Address("::ffff:127.0.0.1")!, port: 1)])
        }

        @Test func addressInfo_ThrowsNameResolution_ForAnUnknownHost() {
            let error = expectSocketError(.nameResolution) {
                _ = try Resolver.addressInfo(host: "nosuch.invalid", port: "80")
            }
            #expect(error?.description.hasPrefix("getaddrinfo: nosuch.invalid port 80: ") == true, "\(String(describing: error))")
            #expect(error?.errno == nil)
        }

        @Test func nameInfo_ReturnsNumericHostAndPort_WhenNumeric() throws {
            let (host, service) = try Resolver.nameInfo(for: .ipv4(.loopback, port: 80), numeric: true)
            #expect(host == "127.0.0.1")
            #expect(service == "80")
            let (host6, service6) = try Resolver.nameInfo(for: .ipv6(.loopback, port: 8443), numeric: true)
            #expect(host6 == "::1")
            #expect(service6 == "8443")
        }

        @Test func nameInfo_LooksUpNames_WhenNotNumeric() throws {
            let (host, service) = try Resolver.nameInfo(for: .ipv4(.loopback, port: 80))
            #expect(host == "localhost")
            #expect(service == "http")
        }

        @Test func nameInfo_ReturnsThePathAsService_ForUnixAddresses() throws {
            let (host, service) = try Resolver.nameInfo(for: .unix(path: "/tmp/x"), numeric: true)
            #expect(host == "localhost")
            #expect(service == "/tmp/x")
        }

        @Test func hostName_IsTheKernelsHostName() throws {
            let expected = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try Resolver.hostName() == expected)
        }

        @Test func resolve_ReturnsNumericAddresses_WithoutALookup() throws {
            #expect(try Resolver.resolve("127.0.0.1:80") == [.ipv4(.loopback, port: 80)])
            #expect(try Resolver.resolve("[::1]:80") == [.ipv6(.loopback, port: 80)])
            #expect(try Resolver.resolve("unix:/tmp/s") == [.unix(path: "/tmp/s")])
            #expect(try Resolver.resolve("unix:@name") == [.unixAbstract(name: bytes("name"))])
        }

        @Test func resolve_LooksUpNames_WithoutDuplicates() throws {
            let addresses = try Resolver.resolve("localhost:80", type: .stream, family: .inet)
            #expect(addresses == [.ipv4(.loopback, port: 80)])
            let any = try Resolver.resolve("localhost:0")
            #expect(any.contains(.ipv4(.loopback, port: 0)))
            #expect(Set(any).count == any.count)
        }

        @Test func resolve_ThrowsNameResolution_ForAnUnknownHost() {
            expectSocketError(.nameResolution) { _ = try Resolver.resolve("nosuch.invalid:80") }
        }
    }
}
