// swift-tools-version: 6.1
// Micro-benchmarks of the Framing decoders against SwiftNIO-extras' decoders, and the
// SwiftNIO + NIOSSL TLS echo server that `Scripts/tls-bench.sh` measures ours against.
// A package of its own, so that the main package never depends on NIO or the benchmark tooling.
//
//   cd Benchmarks && swift package benchmark
//   cd Benchmarks && swift build -c release --product NIOTLSEchoServer
import PackageDescription

// `.package(path: "..")` takes its identity from the checkout's folder name.
let rootPackage = Context.packageDirectory.split(separator: "/").dropLast().last.map(String.init) ?? "main"

let package = Package(
    name: "FramingBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Load for a chat room, one node or a cluster (Scripts/cluster-chat-bench.py runs it).
        .executableTarget(
            name: "ChatLoad",
            dependencies: [
                .product(name: "Sockets", package: rootPackage),
                .product(name: "Framing", package: rootPackage),
            ],
            path: "Benchmarks/ChatLoad"
        ),
        .executableTarget(
            name: "FramingDecoding",
            dependencies: [
                .product(name: "Framing", package: rootPackage),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
            ],
            path: "Benchmarks/FramingDecoding",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "NIOTLSEchoServer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Benchmarks/NIOTLSEchoServer"
        ),
    ],
    swiftLanguageModes: [.v6]
)
