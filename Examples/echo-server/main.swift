// A minimal echo server on the Sockets server core, for benchmarks: the same
// reactor, Server and echo loop as `sock serve echo`, without the CLI's
// dependencies (argument parsing, Foundation, crypto), so its memory shows what
// the library costs. Usage: echo-server [--udp] PORT
import Sockets

#if canImport(Glibc)
    import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst()
let udp = arguments.contains("--udp")
guard let port = arguments.first(where: { $0 != "--udp" }).flatMap(UInt16.init) else {
    print("usage: echo-server [--udp] PORT")
    exit(2)
}
let address = SocketAddress.ipv4(.loopback, port: port)
if udp {
    let socket = try Socket(.inet, .datagram)
    try socket.bind(to: address)
    try await DatagramServer(socket: socket) { datagram, socket in
        try await socket.send(datagram.bytes, to: datagram.address)
    }.run()
} else {
    let listener = try Socket.listen(on: address)
    await Server(listeners: [listener], configuration: .init(idleTimeout: nil)) { connection in
        try await connection.echo()
    }.run()
}
