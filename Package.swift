// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Sockets",
    platforms: [.macOS(.v15)],
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
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // Layer 0: the C declarations Swift cannot import by itself (GNU extensions, CMSG macros).
        .target(name: "CSockets"),
        // Layer 1: pure framing codecs; no I/O, so they can be fuzzed and tested without sockets.
        .target(name: "Framing"),
        // Layer 2: addresses, syscalls, blocking and async sockets, the reactor and the server core.
        .target(
            name: "Sockets",
            dependencies: [
                "CSockets",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Layer 3: the seed programs as services (echo, upper, hello, time, chat, exec, files).
        .target(
            name: "Services",
            dependencies: [
                "Sockets",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The command-line tool.
        .executableTarget(
            name: "sock",
            dependencies: [
                "Sockets",
                "Services",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The seed tutorials' programs, written with the Sockets API.
        .executableTarget(name: "seeds", dependencies: ["Sockets"], path: "Examples/seeds"),
        .testTarget(
            name: "SocketsTests",
            dependencies: ["Sockets", "Services", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "FramingTests",
            dependencies: [
                "Framing",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
