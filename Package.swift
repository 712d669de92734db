// swift-tools-version: 6.1
import PackageDescription

/// Async functions run on their caller's executor (SE-0461): a connection task on the
/// reactor stays there through every call, with no executor switch per operation.
let asyncOnCallerExecutor: [SwiftSetting] = [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]

let package = Package(
    name: "Sockets",
    products: [
        .library(name: "Sockets", targets: ["Sockets"]),
        .library(name: "Framing", targets: ["Framing"]),
        .library(name: "Services", targets: ["Services"]),
        .executable(name: "sock", targets: ["sock"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // Layer 0: the C declarations Swift cannot import by itself (GNU extensions, CMSG macros).
        .target(name: "CSockets"),
        // Layer 1: pure framing codecs; no I/O, so they can be fuzzed and tested without sockets.
        .target(name: "Framing"),
        // Layer 2: the kernel interface: syscalls (EINTR retried in one place), errors,
        // descriptor ownership, addresses and name resolution.
        .target(
            name: "SocketsSystem",
            dependencies: [
                "CSockets",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: asyncOnCallerExecutor
        ),
        // Layer 3: the epoll reactor (also a task executor); it knows descriptors, not sockets.
        .target(
            name: "SocketsReactor",
            dependencies: [
                "CSockets",
                "SocketsSystem",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: asyncOnCallerExecutor
        ),
        // Layer 4: `Socket`, blocking and async, options, buffered and framed I/O.
        .target(
            name: "SocketsCore",
            dependencies: [
                "CSockets",
                "Framing",
                "SocketsSystem",
                "SocketsReactor",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: asyncOnCallerExecutor
        ),
        // The system OpenSSL 3 (libssl-dev), as Python's `ssl`, curl and socat use it.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // The one piece of OpenSSL glue Swift cannot write: a socket BIO that sends with MSG_NOSIGNAL.
        .target(name: "CSocketsTLS", dependencies: ["COpenSSL"]),
        // Layer 4½: TLS over a connected `Socket`, async and blocking.
        .target(
            name: "SocketsTLS",
            dependencies: [
                "COpenSSL",
                "CSocketsTLS",
                "SocketsSystem",
                "SocketsReactor",
                "SocketsCore",
                "Framing",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: asyncOnCallerExecutor
        ),
        // Layer 5: the server core; `import Sockets` re-exports the layers below.
        .target(
            name: "Sockets",
            dependencies: [
                "SocketsSystem",
                "SocketsReactor",
                "SocketsCore",
                "SocketsTLS",
                "Framing",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: asyncOnCallerExecutor
        ),
        // Layer 6a: a Redis client (RESP over our async sockets) for cluster chat.
        .target(
            name: "Redis",
            dependencies: [
                "Sockets",
                "Framing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: asyncOnCallerExecutor
        ),
        // Layer 6: the seed programs as services (echo, upper, hello, time, chat, exec, files).
        .target(
            name: "Services",
            dependencies: [
                "CSockets",
                "Sockets",
                "Framing",
                "Redis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: asyncOnCallerExecutor
        ),
        // The command-line tool.
        .executableTarget(
            name: "sock",
            dependencies: [
                "CSockets",
                "Sockets",
                "Framing",
                "Services",
                "Redis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The seed tutorials' programs, written with the Sockets API.
        .executableTarget(name: "seeds", dependencies: ["Sockets"], path: "Examples/seeds"),
        // The benchmark echo server: Server + Connection.echo() and nothing else.
        .executableTarget(
            name: "echo-server", dependencies: ["Sockets"], path: "Examples/echo-server",
            swiftSettings: asyncOnCallerExecutor
        ),
        // What the test targets share: the child-process harness, `eventually`, temporary
        // directories, descriptor and /proc readers. A plain target, not a test target.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "SocketsTests",
            dependencies: ["Sockets", "Framing", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SocketsTLSTests", dependencies: ["SocketsTLS", "Sockets", "Framing", "TestSupport"],
            swiftSettings: asyncOnCallerExecutor
        ),
        .testTarget(
            name: "ServicesTests",
            dependencies: [
                "Services", "Sockets", "Framing", "Redis", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "Sockets", "Framing", "TestSupport"]),
        // End-to-end tests that run the built executables (`sock`, `seeds`), and unit
        // tests of `sock`'s pure parts (its line editor).
        .testTarget(name: "SockTests", dependencies: ["sock", "Sockets", "Framing", "TestSupport"]),
        .testTarget(
            name: "FramingTests",
            dependencies: [
                "Framing",
                "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
