import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SocketTests {
    @Suite struct SocketAddressTests {
        /// The index and name of the loopback interface, for scoped IPv6 addresses.
        static let loopbackIndex = if_nametoindex("lo")

        @Test(arguments: [
            "127.0.0.1:80", "0.0.0.0:0", "255.255.255.255:65535", "10.1.2.3:8080",
            "[::1]:8080", "[::]:0", "[2001:db8::1]:443", "[::ffff:1.2.3.4]:5",
            "[fe80::1%lo]:80",
            "unix:/tmp/s.sock", "unix:relative/path.sock", "unix:@abstract-name",
        ])
        func description_RoundTrips_WhenParsedFromItsOwnText(text: String) throws {
            let address = try #require(SocketAddress(text))
            #expect(address.description == text)
            #expect(SocketAddress(address.description) == address)
        }

        @Test func init_ParsesEveryForm_IntoTheRightCase() throws {
            #expect(SocketAddress("127.0.0.1:80") == .ipv4(.loopback, port: 80))
            #expect(SocketAddress("0.0.0.0:0") == .ipv4(.any, port: 0))
            #expect(SocketAddress("[::1]:8080") == .ipv6(.loopback, port: 8080))
            #expect(SocketAddress("[::]:1") == .ipv6(.any, port: 1))
            #expect(SocketAddress("[fe80::1%lo]:80") == .ipv6(IPv6Address("fe80::1")!, port: 80, scopeID: Self.loopbackIndex))
            #expect(
                SocketAddress("[fe80::1%\(Self.loopbackIndex)]:80")
                    == .ipv6(IPv6Address("fe80::1")!, port: 80, scopeID: Self.loopbackIndex))
            #expect(SocketAddress("unix:/tmp/s.sock") == .unix(path: "/tmp/s.sock"))
            #expect(SocketAddress("unix:@name") == .unixAbstract(name: bytes("name")))
        }

        @Test(arguments: [
            "127.0.0.1",  // missing port
            "127.0.0.1:",  // empty port
            "127.0.0.1:70000",  // port out of range
            "127.0.0.1:-1",
            "127.0.0.1:http",  // numeric only
            "::1:80",  // IPv6 without brackets
            "::1",
            "[::1]",  // brackets without port
            "[::1]80",
            "[::1:80",  // unclosed bracket
            ":80",  // empty host
            "[]:80",
            "unix:",  // empty unix path
            "localhost:80",  // a name, not a numeric address
            "1.2.3.4.5:80",
            "256.0.0.1:80",
            "[fe80::1%nosuchinterface0]:80",
            "",
        ])
        func init_ReturnsNil_WhenTextIsNotANumericAddress(text: String) {
            #expect(SocketAddress(text) == nil)
        }

        @Test(arguments: [
            ("127.0.0.1", "expected HOST:PORT"),
            ("127.0.0.1:70000", "port must be a number from 0 to 65535"),
            ("::1:80", "IPv6 addresses need brackets"),
            ("unix:", "empty unix socket path"),
            ("[::1", "missing ']'"),
            ("[::1]80", "expected ':PORT' after ']'"),
            (":80", "empty host"),
        ])
        func resolve_ThrowsInvalidArgumentWithTheReason_WhenSyntaxIsBad(text: String, reason: String) {
            let error = expectSocketError(.invalidArgument) { _ = try Resolver.resolve(text) }
            #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
            #expect(error?.description.contains("'\(text)'") == true)
        }

        @Test func host_IsTheAddressPartAlone() {
            #expect(SocketAddress.ipv4(.loopback, port: 80).host == "127.0.0.1")
            #expect(SocketAddress.ipv6(.loopback, port: 80).host == "::1")
            #expect(SocketAddress.ipv6(IPv6Address("fe80::1")!, port: 80, scopeID: Self.loopbackIndex).host == "fe80::1%lo")
            #expect(SocketAddress.unix(path: "/tmp/x").host == "/tmp/x")
            #expect(SocketAddress.unixAbstract(name: bytes("name")).host == "@name")
        }

        @Test func description_NamesAnUnknownScopeByItsNumber() {
            let address = SocketAddress.ipv6(IPv6Address("fe80::1")!, port: 1, scopeID: 999_999)
            #expect(address.description == "[fe80::1%999999]:1")
        }

        @Test func port_IsNil_ForUnixAddresses() {
            #expect(SocketAddress.ipv4(.loopback, port: 80).port == 80)
            #expect(SocketAddress.ipv6(.loopback, port: 443).port == 443)
            #expect(SocketAddress.unix(path: "/x").port == nil)
            #expect(SocketAddress.unixAbstract(name: [1]).port == nil)
        }

        @Test func withPort_ReplacesOnlyThePort() {
            #expect(SocketAddress.ipv4(.loopback, port: 1).withPort(2) == .ipv4(.loopback, port: 2))
            let scoped = SocketAddress.ipv6(IPv6Address("fe80::1")!, port: 1, scopeID: 3, flowInfo: 4)
            #expect(scoped.withPort(9) == .ipv6(IPv6Address("fe80::1")!, port: 9, scopeID: 3, flowInfo: 4))
            #expect(SocketAddress.unix(path: "/x").withPort(5) == .unix(path: "/x"))
            #expect(SocketAddress.unixAbstract(name: [7]).withPort(5) == .unixAbstract(name: [7]))
        }

        @Test func family_MatchesTheCase() {
            #expect(SocketAddress.ipv4(.any, port: 0).family == .inet)
            #expect(SocketAddress.ipv6(.any, port: 0).family == .inet6)
            #expect(SocketAddress.unix(path: "/x").family == .unix)
            #expect(SocketAddress.unixAbstract(name: [1]).family == .unix)
        }

        @Test func bind_ThrowsInvalidArgument_WhenUnixPathIsTooLongOrHasNUL() throws {
            let socket = try Socket(.unix, .stream)
            defer { socket.close() }
            #expect(SocketAddress.maximumUnixPathLength == 107)
            let tooLong = "/tmp/" + String(repeating: "x", count: SocketAddress.maximumUnixPathLength)
            let error = expectSocketError(.invalidArgument) { try socket.bind(to: .unix(path: tooLong)) }
            #expect(error?.description.contains("at most 107 bytes") == true)
            expectSocketError(.invalidArgument) { try socket.bind(to: .unix(path: "/tmp/a\0b")) }
            let longName = [UInt8](repeating: 65, count: SocketAddress.maximumUnixPathLength + 1)
            expectSocketError(.invalidArgument) { try socket.bind(to: .unixAbstract(name: longName)) }
        }

        @Test func localAddress_DecodesEveryFamily_AsTheKernelReportsIt() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let path = directory.file("a.sock")
            let unix = try Socket(.unix, .datagram)
            defer { unix.close() }
            try unix.bind(to: .unix(path: path))
            #expect(try unix.localAddress() == .unix(path: path))

            let name = uniqueAbstractName("decode")
            let abstract = try Socket(.unix, .datagram)
            defer { abstract.close() }
            try abstract.bind(to: .unixAbstract(name: name))
            #expect(try abstract.localAddress() == .unixAbstract(name: name))

            let unbound = try Socket(.unix, .datagram)
            defer { unbound.close() }
            #expect(try unbound.localAddress() == .unix(path: ""))

            let v4 = try Socket(.inet, .datagram)
            defer { v4.close() }
            #expect(try v4.localAddress() == .ipv4(.any, port: 0))
            try v4.bind(to: .ipv4(.loopback, port: 0))
            let bound = try v4.localAddress()
            #expect(bound.host == "127.0.0.1")
            #expect(bound.port != 0)
        }
        @Test func bind_AutobindsAnAbstractName_ForAnEmptyUnixPath() throws {
            let socket = try Socket(.unix, .datagram)
            defer { socket.close() }
            try socket.bind(to: .unix(path: ""))
            guard case .unixAbstract(let name) = try socket.localAddress() else {
                Issue.record("Linux autobinds an abstract name, got \(try socket.localAddress())")
                return
            }
            #expect(name.count == 5, "five hex digits")
        }

        @Test func abstractNames_KeepEmbeddedNULs() throws {
            let name: [UInt8] = [65, 0, 66, 0] + uniqueAbstractName("nul")
            let socket = try Socket(.unix, .datagram)
            defer { socket.close() }
            try socket.bind(to: .unixAbstract(name: name))
            #expect(try socket.localAddress() == .unixAbstract(name: name))
        }

        @Test func unixPath_OfTheMaximumLength_BindsAndDecodes() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let prefix = directory.path + "/"
            let path = prefix + String(repeating: "p", count: SocketAddress.maximumUnixPathLength - prefix.utf8.count)
            #expect(path.utf8.count == 107)
            let socket = try Socket(.unix, .stream)
            defer { socket.close() }
            try socket.bind(to: .unix(path: path))
            #expect(try socket.localAddress() == .unix(path: path))
        }
    }

    @Suite struct IPAddressTests {
        @Test func ipv4_ParsesAndPrintsDottedQuads() throws {
            let address = try #require(IPv4Address("192.168.1.20"))
            #expect(address == IPv4Address(192, 168, 1, 20))
            #expect(address.description == "192.168.1.20")
            #expect(address.octets.0 == 192 && address.octets.3 == 20)
            #expect(IPv4Address.any.description == "0.0.0.0")
            #expect(IPv4Address.loopback.description == "127.0.0.1")
            #expect(IPv4Address.broadcast.description == "255.255.255.255")
        }

        @Test(arguments: ["256.0.0.1", "1.2.3", "1.2.3.4.5", "", "::1", "a.b.c.d", " 1.2.3.4"])
        func ipv4_ReturnsNil_ForInvalidText(text: String) {
            #expect(IPv4Address(text) == nil)
        }

        @Test func ipv4_ClassifiesLoopbackAndMulticast() {
            #expect(IPv4Address(127, 1, 2, 3).isLoopback)
            #expect(!IPv4Address(128, 0, 0, 1).isLoopback)
            #expect(IPv4Address(224, 0, 0, 1).isMulticast)
            #expect(IPv4Address(239, 255, 255, 255).isMulticast)
            #expect(!IPv4Address(240, 0, 0, 1).isMulticast)
            #expect(!IPv4Address(223, 255, 255, 255).isMulticast)
        }

        @Test func ipv4_IsHashableByValue() {
            let set: Set = [IPv4Address(1, 2, 3, 4), IPv4Address("1.2.3.4")!, IPv4Address(4, 3, 2, 1)]
            #expect(set.count == 2)
        }

        @Test func ipv6_ParsesAndPrintsCanonicalText() throws {
            #expect(IPv6Address("2001:0db8:0000:0000:0000:0000:0000:0001")?.description == "2001:db8::1")
            #expect(IPv6Address.loopback.description == "::1")
            #expect(IPv6Address.any.description == "::")
            #expect(IPv6Address("::ffff:1.2.3.4")?.description == "::ffff:1.2.3.4")
            #expect(IPv6Address.loopback.bytes == [UInt8](repeating: 0, count: 15) + [1])
        }

        @Test(arguments: ["", "1.2.3.4", ":::", "fe80::1%lo", "[::1]", "12345::", "g::1"])
        func ipv6_ReturnsNil_ForInvalidText(text: String) {
            #expect(IPv6Address(text) == nil)
        }

        @Test func ipv6_FromBytes_RequiresSixteen() throws {
            let bytes: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [7]
            let address = try #require(IPv6Address(bytes: bytes))
            #expect(address.bytes == bytes)
            #expect(address == IPv6Address("2001:db8::7"))
            #expect(IPv6Address(bytes: Array(bytes.dropLast())) == nil)
            #expect(IPv6Address(bytes: bytes + [0]) == nil)
        }

        @Test func ipv6_ClassifiesMulticastLinkLocalAndMapped() {
            #expect(IPv6Address("ff02::1")!.isMulticast)
            #expect(!IPv6Address("fe80::1")!.isMulticast)
            #expect(IPv6Address("fe80::1")!.isLinkLocal)
            #expect(IPv6Address("febf::1")!.isLinkLocal)
            #expect(!IPv6Address("fec0::1")!.isLinkLocal)
            #expect(IPv6Address("::ffff:10.0.0.1")!.mappedIPv4 == IPv4Address(10, 0, 0, 1))
            #expect(IPv6Address("::1")!.mappedIPv4 == nil)
            #expect(IPv6Address("::fffe:10.0.0.1")!.mappedIPv4 == nil)
        }

        @Test func ipv6_IsHashableByValue() {
            let set: Set = [IPv6Address("::1")!, IPv6Address.loopback, IPv6Address("::2")!]
            #expect(set.count == 2)
        }
    }
}
