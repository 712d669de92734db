// A SwiftNIO + NIOSSL TLS echo server: the peer `sock serve echo --tls-...` is measured
// against (issue 12, `Scripts/tls-bench.sh`). Idiomatic NIO: a handler per connection
// that writes back every read and flushes once per read burst, behind
// `NIOSSLServerHandler` (TLS 1.3) and a `BackPressureHandler`.
//
//   NIOTLSEchoServer --port 9443 --cert cert.pem --key key.pem [--threads 1] [--host 127.0.0.1]
//
// Prints `listening tls HOST:PORT threads=N` on stdout once bound.
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#endif

/// The command line: `--port`, `--threads`, `--cert`, `--key`, `--host`.
struct Options {
    var host = "127.0.0.1"
    var port = 9443
    var threads = 1
    var certificate = ""
    var key = ""

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { usage("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--host": options.host = value()
            case "--port": options.port = Int(value()) ?? -1
            case "--threads": options.threads = Int(value()) ?? 0
            case "--cert": options.certificate = value()
            case "--key": options.key = value()
            default: usage("unknown argument \(arguments[index])")
            }
            index += 1
        }
        if options.certificate.isEmpty || options.key.isEmpty { usage("--cert and --key are required") }
        if !(0...65535).contains(options.port) || options.threads < 1 { usage("bad --port or --threads") }
        return options
    }

    static func usage(_ problem: String) -> Never {
        let text =
            "NIOTLSEchoServer: \(problem)\nusage: NIOTLSEchoServer --port P --cert PEM --key PEM [--threads N] [--host H]\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        exit(64)
    }
}

/// Writes back every read; one flush per read burst.
final class EchoHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
var tls = TLSConfiguration.makeServerConfiguration(
    certificateChain: try NIOSSLCertificate.fromPEMFile(options.certificate).map { .certificate($0) },
    privateKey: .privateKey(try NIOSSLPrivateKey(file: options.key, format: .pem)))
tls.minimumTLSVersion = .tlsv13
let sslContext = try NIOSSLContext(configuration: tls)
let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
let bootstrap = ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 4096)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelOption(.maxMessagesPerRead, value: 16)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
            try channel.pipeline.syncOperations.addHandler(BackPressureHandler())
            try channel.pipeline.syncOperations.addHandler(EchoHandler())
        }
    }
let channel = try bootstrap.bind(host: options.host, port: options.port).wait()
print("listening tls \(options.host):\(channel.localAddress?.port ?? options.port) threads=\(options.threads)")
fflush(nil)
try channel.closeFuture.wait()
