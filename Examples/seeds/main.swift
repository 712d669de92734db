// The seed tutorials' programs, written with Sockets. Run one with
// `swift run seeds NAME [PORT]`; each mirrors its Python original line by line.
@preconcurrency import Glibc
import Sockets

let programs: [String: (UInt16?) throws -> Void] = [
    "hello-server": helloServer,  // seed 000/001 tcpserver.py
    "hello-client": helloClient,  // seed 000 tcpclient.py
    "time-server": timeServer,  // seed 002
    "upper-server": upperServer,  // seed 003/004 TCP server
    "upper-client": upperClient,  // seed 003/004 TCP client
    "udp-upper-server": udpUpperServer,  // seed 003/004 UDP server
    "udp-upper-client": udpUpperClient,  // seed 003/004 UDP client
]

setvbuf(stdout, nil, _IOLBF, 0)  // line by line, also into a pipe
let arguments = CommandLine.arguments.dropFirst()
guard let name = arguments.first, let program = programs[name] else {
    print("usage: seeds \(programs.keys.sorted().joined(separator: "|")) [PORT]")
    exit(2)
}
do {
    try program(arguments.dropFirst().first.flatMap { UInt16($0) })
} catch {
    print("seeds: \(error)")
    exit(1)
}
