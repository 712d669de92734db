// swift-format-ignore-file
// Not formatted: the samples here are the documentation's, word for word (see documentationExamples_AreAllInThisFile_WhenTheCatalogsAreRead).
import Foundation
import Framing
import Logging
import Sockets
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

// The code samples of the documentation catalogs (Sources/Sockets/Sockets.docc and
// Sources/Framing/Framing.docc) and of the doc comments in Sources/Framing, each inside a
// function here, so that they compile with the library they describe. The tests run
// those that end by themselves against real sockets on the loopback and check what they
// print; those that serve forever on a fixed port are compiled only.
// `documentationExamples_AreAllInThisFile_WhenTheCatalogsAreRead` fails when a sample in
// the documentation is not in this file word for word (indentation aside).

// MARK: - What the samples print

/// The lines the samples printed since the last ``takePrinted()``.
private let printedLines = Mutex<[String]>([])

/// Records what a sample prints instead of writing it to standard output. The signature
/// is `Swift.print`'s, so that this function shadows it for every call in this file.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let line = items.map { "\($0)" }.joined(separator: separator)
    printedLines.withLock { $0.append(line) }
}

/// Returns and forgets the printed lines.
private func takePrinted() -> [String] {
    printedLines.withLock { lines in
        defer { lines = [] }
        return lines
    }
}

// MARK: - Peers for the samples

/// A deadline `seconds` from now, for every wait of the peers below.
private func soon(_ seconds: Int = 10) -> ContinuousClock.Instant { .now + .seconds(seconds) }

/// Accepts one connection on `listener`, reads `count` bytes and sends them back
/// upper-cased, then closes the connection and the listener, whatever happens: a blocking
/// sample waiting for it is then woken by end of stream or a reset, never left waiting.
private func serveUppercaseOnce(_ listener: Socket, reading count: Int) -> Task<[UInt8], any Error> {
    Task {
        defer { listener.close() }
        let (connection, _) = try await listener.accept(deadline: soon())
        defer { connection.close() }
        let received = try await connection.read(exactly: count, deadline: soon())
        try await connection.write(String(decoding: received, as: UTF8.self).uppercased().utf8, deadline: soon())
        return received
    }
}

/// A port on 127.0.0.1 where nobody listens (bound, never listening, then closed).
private func closedLoopbackPort() throws -> UInt16 {
    let socket = try Socket(.inet, .stream)
    defer { socket.close() }
    try socket.bind(to: .ipv4(.loopback, port: 0))
    return try #require(try socket.localAddress().port)
}

// MARK: - Sockets.md and "From Python's socket to Sockets"

private func pythonClient(port: UInt16) throws -> [UInt8] {
    let s = try Socket(.inet, .stream)
    try s.connect(to: .ipv4(.loopback, port: port))
    try s.sendAll("hello".utf8)
    let data = try s.recv(1024)
    s.close()
    return data
}

/// Compiled only: serves forever on a fixed port.
private func threadedServer() throws {
    @Sendable func echo(_ conn: Socket) throws {
        defer { conn.close() }
        while case let data = try conn.recv(1024), !data.isEmpty {
            try conn.sendAll(data)
        }
    }

    let s = try Socket(.inet, .stream)
    try s.setOption(.reuseAddress, true)
    try s.bind(to: .ipv4(.loopback, port: 8000))
    try s.listen(backlog: 5)
    while true {
        let (conn, addr) = try s.accept()
        print("connection from \(addr)")
        Thread.detachNewThread { try? echo(conn) }
    }
}

private func addresses() throws -> [SocketAddress] {
    let a = SocketAddress("127.0.0.1:8000")!
    let b = SocketAddress.ipv6(.loopback, port: 8000)
    let c = SocketAddress.unix(path: "/tmp/app.sock")
    print(a, b, c)               // 127.0.0.1:8000 [::1]:8000 unix:/tmp/app.sock
    print(a.host, a.port ?? 0)   // 127.0.0.1 8000
    let local = try Resolver.resolve("localhost:8000")
    return local
}

private func datagramClient(port: UInt16) throws -> (bytes: [UInt8], address: SocketAddress) {
    let s = try Socket(.inet, .datagram)
    try s.sendTo("ping".utf8, .ipv4(.loopback, port: port))
    let (data, addr) = try s.recvFrom(1024)
    s.close()
    return (data, addr)
}

private func timeouts(_ s: Socket) throws {
    s.timeout = .milliseconds(2500)
    do {
        let data = try s.recv(1024)
        print(data.count)
    } catch let error where error.kind == .timedOut {
        print("no answer within 2.5 s")
    }
}

private func connectEx(_ s: Socket, closedPort: UInt16) {
    if let error = s.connectEx(to: .ipv4(.loopback, port: closedPort)) {
        print(error.kind)   // connectionRefused
    }
}

private func options(_ s: Socket) throws -> Int {
    try s.setOption(.reuseAddress, true)
    try s.setOption(.keepAliveIdle, .seconds(60))
    let size = try s.option(.receiveBufferSize)
    try s.setOption(level: SOL_SOCKET, name: SO_PRIORITY, value: 6)
    return size
}

private func makefile(_ s: Socket) throws {
    let file = BufferedSocket(s)
    try file.write("HELLO\n".utf8)
    try file.flush()
    if let line = try file.readLine() {
        print(String(decoding: line, as: UTF8.self))
    }
}

private func passDescriptor(_ descriptor: Int32) throws -> [Int32] {
    let (a, b) = try Socket.pair()
    try a.sendMsg([Array("fd".utf8)], control: [.fileDescriptors([descriptor])])
    let message = try b.recvMsg(16, controlCapacity: 64)
    let received = message.controlMessages.first?.fileDescriptors ?? []
    return received
}

private func asyncClient(address: String) async throws -> (header: [UInt8], rest: [UInt8]) {
    let s = try await Socket.connect(to: address)
    try await s.write("hello".utf8)
    let header = try await s.read(exactly: 4, deadline: .now + .seconds(5))
    let rest = try await s.read(upTo: 1024)
    s.close()
    return (header, rest)
}

/// Compiled only: the landing page's server serves forever on a fixed port.
private func landingPageServer() async throws {
    let server = Server(listeners: [try Socket.listen(on: "127.0.0.1:9000")]) { connection in
        while case let bytes = try await connection.read(upTo: 4096), !bytes.isEmpty {
            try await connection.write(bytes)
        }
    }
    await server.run()
}

// MARK: - "Writing a server"

private func makeEchoHandler() -> Server.Handler {
    let echo: Server.Handler = { connection in
        while case let bytes = try await connection.read(upTo: 4096), !bytes.isEmpty {
            try await connection.write(bytes)
        }
    }
    return echo
}

private func makeUpperHandler() -> Server.Handler {
    let upper: Server.Handler = { connection in
        for try await line in connection.messages(LineDecoder()) {
            let reply = String(decoding: line, as: UTF8.self).uppercased()
            try await connection.write(message: Array(reply.utf8), encoder: LineEncoder())
        }
    }
    return upper
}

private func makeShoutHandler() -> DatagramServer.Handler {
    let shout: DatagramServer.Handler = { datagram, socket in
        let reply = String(decoding: datagram.bytes, as: UTF8.self).uppercased()
        try await socket.send(Array(reply.utf8), to: datagram.address)
    }
    return shout
}

/// Compiled only: the servers of the article listen on fixed ports and serve forever.
private func serverArticleServers() async throws {
    let echo = makeEchoHandler()
    let upper = makeUpperHandler()
    let shout = makeShoutHandler()
    do {
        let listener = try Socket.listen(on: "127.0.0.1:9000")
        let server = Server(listeners: [listener], handler: echo)
        await server.run()
    }
    do {
        let server = Server(
            listeners: [
                try Socket.listen(on: "127.0.0.1:7000"),
                try Socket.listen(on: "[::1]:7000"),
                try Socket.listen(on: "unix:/tmp/upper.sock"),
            ],
            handler: upper
        )
        await server.run()
    }
    do {
        let configuration = ServerConfiguration(maximumConnections: 1000, idleTimeout: .seconds(60))
        let server = Server(
            listeners: [try Socket.listen(on: "127.0.0.1:9000")],
            configuration: configuration,
            logger: Logger(label: "echo"),
            handler: echo
        )
        await server.run()
    }
    do {
        let udp = DatagramServer(socket: try Socket.bindDatagram(to: "127.0.0.1:9000"), handler: shout)
        try await udp.run()
    }
    do {
        try await DatagramServer.echo(socket: try Socket.bindDatagram(to: "127.0.0.1:9000")).run()
    }
    do {
        let listener = try Socket.listen(on: "127.0.0.1:9000")
        try await withThrowingDiscardingTaskGroup { group in
            for try await (socket, _) in listener.connections {
                group.addTask {
                    defer { socket.close() }
                    while case let bytes = try await socket.read(upTo: 4096), !bytes.isEmpty {
                        try await socket.write(bytes)
                    }
                }
            }
        }
    }
}

private func testingAServer() async throws {
    let server = Server(listeners: [try Socket.listen(on: "127.0.0.1:0")]) { connection in
        try await connection.echo()
    }
    let address = try server.listeners[0].localAddress()
    let serving = Task { await server.run() }

    let client = try await Socket.connect(to: address.description)
    try await client.write("ping".utf8)
    let reply = try await client.read(exactly: 4, deadline: .now + .seconds(5))
    print(String(decoding: reply, as: UTF8.self))   // ping
    client.close()

    server.shutdown()
    await serving.value
}

// MARK: - Framing.md and "Messages on a stream (framing)"

private func landingPageDecoding() throws -> [String] {
    var decoder = LineDecoder()
    decoder.feed("hel".utf8)
    decoder.feed("lo\nwor".utf8)
    decoder.feed("ld\n".utf8)
    var lines: [String] = []
    while let line = try decoder.next() {
        lines.append(String(decoding: line, as: UTF8.self))
    }
    // lines == ["hello", "world"]
    return lines
}

/// Also the example in `MessageDecoder`'s doc comment.
private func decodingLoop(_ socket: Socket) throws -> [String] {
    var lines: [String] = []
    func handle(_ line: [UInt8]) { lines.append(String(decoding: line, as: UTF8.self)) }
    var decoder = LineDecoder()
    while case let chunk = try socket.recv(65536), !chunk.isEmpty {
        decoder.feed(chunk)
        while let line = try decoder.next() {
            handle(line)
        }
    }
    if let last = try decoder.finish() {
        handle(last)
    }
    return lines
}

private func encoding() throws -> [UInt8] {
    var output: [UInt8] = []
    try LineEncoder().encode(bytes: "hello".utf8, into: &output)
    try LengthPrefixedEncoder(.seed).encode(bytes: "world".utf8, into: &output)
    print(output.count)   // 15: "hello\n", then 05 00 00 00 and "world"
    return output
}

private func limits() {
    var decoder = LengthPrefixedDecoder(.length, maximumLength: 1024)
    decoder.feed([0x00, 0x10, 0x00, 0x00])   // the length field claims 1 MiB
    do {
        _ = try decoder.next()
    } catch {
        print(error)   // message of 1048576 bytes is over the limit of 1024 bytes
    }
}

private func jsonHeaderMessages() throws -> [UInt8] {
    struct Request: Codable {
        var cmd: String
    }

    let message = try JSONHeaderMessage(header: Request(cmd: "ls -l"), body: Array("data".utf8))
    var bytes: [UInt8] = []
    try JSONHeaderEncoder().encode(message, into: &bytes)

    var decoder = JSONHeaderDecoder()
    decoder.feed(bytes)
    if let received = try decoder.next() {
        let request = try received.decodeHeader(Request.self)
        print(request.cmd, received.body.count)   // ls -l 4
    }
    return bytes
}

private func streamingLargeBodies(_ bytes: [UInt8]) throws {
    var headerDecoder = LengthPrefixedDecoder(.length, maximumLength: 64 * 1024)
    headerDecoder.feed(bytes)
    if let header = try headerDecoder.next() {
        let bodyLength = try JSONHeaderMessage.bodyLength(ofHeader: header)
        let bodyStart = headerDecoder.takeBuffered()
        print(bodyLength, bodyStart.count)   // 4 4: read the rest of the body raw
    }
}

private func framingAtRunTime() throws {
    let framing = Framing(rawValue: "length")!
    var decoder = framing.makeDecoder()
    var output: [UInt8] = []
    try framing.encode("ping".utf8, into: &output)
    decoder.feed(output)
    print(try decoder.next().map { String(decoding: $0, as: UTF8.self) } ?? "none")   // ping
}

private func messagesOnAnAsyncSocket(address: String) async throws {
    let socket = try await Socket.connect(to: address)
    try await socket.write(message: Array("ping".utf8), encoder: LineEncoder())
    for try await line in socket.messages(LineDecoder()) {
        print(String(decoding: line, as: UTF8.self))
        break
    }
    socket.close()
}

private func messagesOnABlockingSocket(address: String) throws {
    let s = try Socket.connect(to: address)
    try s.sendMessage(Array("ls".utf8), encoder: LengthPrefixedEncoder(.seed))
    var decoder = LengthPrefixedDecoder(.seed)
    if let reply = try s.recvMessage(&decoder) {
        print(String(decoding: reply, as: UTF8.self))
    }
    s.close()
}

// MARK: - Tests

extension SocketTests {
    /// The documentation's samples, run (or compiled) against the current API.
    @Suite(.timeLimit(.minutes(1))) struct DocumentationExamplesTests {
        // MARK: The samples are these

        @Test func documentationExamples_AreAllInThisFile_WhenTheCatalogsAreRead() throws {
            let sources = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Sources")
            var documents: [URL] = []
            for catalog in ["Sockets/Sockets.docc", "Framing/Framing.docc"] {
                let folder = sources.appendingPathComponent(catalog)
                documents += try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
                    .filter { $0.pathExtension == "md" }
            }
            documents += try FileManager.default
                .contentsOfDirectory(at: sources.appendingPathComponent("Framing"), includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "swift" }
            let thisFile = Self.codeLines(try String(contentsOfFile: #filePath, encoding: .utf8))

            var examples = 0
            for document in documents {
                for example in Self.swiftExamples(in: try String(contentsOf: document, encoding: .utf8)) {
                    examples += 1
                    let lines = Self.codeLines(example)
                    let found = thisFile.indices.contains { start in
                        thisFile[start...].starts(with: lines)
                    }
                    #expect(found, "not compiled in DocumentationExamplesTests.swift (\(document.lastPathComponent)):\n\(example)")
                }
            }
            // Three articles, two landing pages and MessageDecoder's comment hold 27 samples.
            #expect(examples >= 27, "only \(examples) samples found: were the catalogs moved?")
        }

        /// The ```swift blocks of a Markdown file, or of the doc comments of a Swift file.
        static func swiftExamples(in text: String) -> [String] {
            var examples: [String] = []
            var current: [String]?
            for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
                var line = rawLine.drop { $0 == " " }
                if line.hasPrefix("///") { line = line.dropFirst(3) }
                let fence = line.trimmingCharacters(in: .whitespaces)
                if current == nil {
                    if fence == "```swift" { current = [] }
                } else if fence == "```" {
                    examples.append(current!.joined(separator: "\n"))
                    current = nil
                } else {
                    current!.append(String(line))
                }
            }
            return examples
        }

        /// Non-empty lines without their indentation.
        static func codeLines(_ text: String) -> [String] {
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        // MARK: From Python's socket to Sockets

        @Test func pythonClient_ReceivesTheReply_WhenAServerAnswers() async throws {
            let listener = try Socket.listen(on: "127.0.0.1:0")
            let port = try #require(try listener.localAddress().port)
            let server = serveUppercaseOnce(listener, reading: 5)
            let data = try pythonClient(port: port)
            #expect(try await server.value == Array("hello".utf8))
            #expect(data == Array("HELLO".utf8))
        }

        @Test func addresses_PrintTheirText_WhenWrittenAsInTheArticle() throws {
            _ = takePrinted()
            let resolved = try addresses()
            #expect(takePrinted() == ["127.0.0.1:8000 [::1]:8000 unix:/tmp/app.sock", "127.0.0.1 8000"])
            #expect(!resolved.isEmpty)
            #expect(resolved.allSatisfy { $0.port == 8000 })
        }

        @Test func datagramClient_ReceivesTheEcho_WhenAPeerAnswers() async throws {
            let peer = try Socket.bindDatagram(to: "127.0.0.1:0")
            defer { peer.close() }
            let port = try #require(try peer.localAddress().port)
            let echo = Task {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
                defer { buffer.deallocate() }
                let (count, sender, _) = try await peer.receive(into: buffer, deadline: soon())
                try await peer.send(UnsafeRawBufferPointer(rebasing: buffer[..<count]), to: sender, deadline: soon())
            }
            // recvFrom has no timeout in the sample: a thread of its own keeps the test bounded.
            let client = BackgroundThread { try datagramClient(port: port) }
            try await echo.value
            let (bytes, address) = try client.join(timeout: .seconds(10))
            #expect(bytes == Array("ping".utf8))
            #expect(address == .ipv4(.loopback, port: port))
        }

        @Test func timeouts_ThrowTimedOut_WhenThePeerIsSilent() throws {
            let (s, peer) = try Socket.pair()
            defer { s.close(); peer.close() }
            _ = takePrinted()
            let start = ContinuousClock.now
            try timeouts(s)
            #expect(takePrinted() == ["no answer within 2.5 s"])
            #expect(ContinuousClock.now - start >= .milliseconds(2500))
        }

        @Test func connectEx_ReturnsConnectionRefused_WhenNobodyListens() throws {
            let s = try Socket(.inet, .stream)
            defer { s.close() }
            _ = takePrinted()
            connectEx(s, closedPort: try closedLoopbackPort())
            #expect(takePrinted() == ["connectionRefused"])
        }

        @Test func options_AreSetAndRead_WhenWrittenAsInTheArticle() throws {
            let s = try Socket(.inet, .stream)
            defer { s.close() }
            let size = try options(s)
            #expect(size > 0)
            #expect(try s.option(.reuseAddress))
            #expect(try s.option(.keepAliveIdle) == .seconds(60))
            #expect(try s.option(level: SOL_SOCKET, name: SO_PRIORITY) == 6)
        }

        @Test func makefile_WritesALineAndReadsOne_WhenThePeerSentOne() throws {
            let (s, peer) = try Socket.pair()
            defer { s.close(); peer.close() }
            s.timeout = .seconds(10)
            try peer.sendAll("hi\n".utf8)
            _ = takePrinted()
            try makefile(s)
            #expect(takePrinted() == ["hi"])
            peer.timeout = .seconds(10)
            #expect(try peer.recv(64) == Array("HELLO\n".utf8))
        }

        @Test func passDescriptor_ReceivesADescriptorOfTheSameSocket_WhenSentOverAPair() throws {
            let (original, other) = try Socket.pair()
            defer { original.close(); other.close() }
            let received = try passDescriptor(original.fileDescriptor)
            #expect(received.count == 1)
            let copy = try Socket(adopting: try #require(received.first))
            defer { copy.close() }
            // The copy is the same socket: what is sent on it arrives at `other`.
            try copy.sendAll("same".utf8)
            other.timeout = .seconds(10)
            #expect(try other.recv(16) == Array("same".utf8))
        }

        @Test func asyncClient_ReadsExactlyThenTheRest_WhenAServerAnswers() async throws {
            let listener = try Socket.listen(on: "127.0.0.1:0")
            let address = try listener.localAddress().description
            let server = serveUppercaseOnce(listener, reading: 5)
            let (header, rest) = try await asyncClient(address: address)
            #expect(try await server.value == Array("hello".utf8))
            #expect(header == Array("HELL".utf8))
            #expect(rest == Array("O".utf8))
        }

        // MARK: Writing a server

        @Test func echoHandler_SendsEveryByteBack_WhenServed() async throws {
            let server = Server(listeners: [try Socket.listen(on: "127.0.0.1:0")], handler: makeEchoHandler())
            let address = try server.listeners[0].localAddress()
            let serving = Task { await server.run() }
            defer { server.shutdown() }
            let client = try await Socket.connect(to: address.description, deadline: soon())
            defer { client.close() }
            try await client.write("echo me".utf8, deadline: soon())
            #expect(try await client.read(exactly: 7, deadline: soon()) == Array("echo me".utf8))
            server.shutdown()
            await serving.value
        }

        @Test func upperHandler_AnswersEachLineUpperCased_WhenServed() async throws {
            let server = Server(listeners: [try Socket.listen(on: "127.0.0.1:0")], handler: makeUpperHandler())
            let address = try server.listeners[0].localAddress()
            let serving = Task { await server.run() }
            defer { server.shutdown() }
            let client = try await Socket.connect(to: address.description, deadline: soon())
            defer { client.close() }
            try await client.write("straße\r\nsecond\n".utf8, deadline: soon())
            #expect(try await client.read(exactly: 15, deadline: soon()) == Array("STRASSE\nSECOND\n".utf8))
            server.shutdown()
            await serving.value
        }

        @Test func shoutHandler_AnswersUpperCased_WhenServedByADatagramServer() async throws {
            let udp = DatagramServer(socket: try Socket.bindDatagram(to: "127.0.0.1:0"), handler: makeShoutHandler())
            let address = try udp.socket.localAddress()
            let serving = Task { try await udp.run() }
            defer { udp.shutdown() }
            let client = try Socket(.inet, .datagram)
            defer { client.close() }
            try await client.send(Array("quiet".utf8), to: address, deadline: soon())
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
            defer { buffer.deallocate() }
            let (count, _, _) = try await client.receive(into: buffer, deadline: soon())
            #expect(Array(buffer[..<count]) == Array("QUIET".utf8))
            udp.shutdown()
            try await serving.value
        }

        @Test func testingAServer_PrintsTheEcho_WhenRun() async throws {
            _ = takePrinted()
            try await testingAServer()
            #expect(takePrinted() == ["ping"])
        }

        // MARK: Messages on a stream

        @Test func landingPageDecoding_ReturnsTwoLines_WhenFedInThreeChunks() throws {
            #expect(try landingPageDecoding() == ["hello", "world"])
        }

        @Test func decodingLoop_HandlesEveryLine_WhenLinesArriveSplitAndTheLastUnterminated() throws {
            let (socket, peer) = try Socket.pair()
            defer { socket.close(); peer.close() }
            socket.timeout = .seconds(10)
            try peer.sendAll("hello\nwor".utf8)
            try peer.sendAll("ld\nlast".utf8)
            try peer.shutdown(.write)
            #expect(try decodingLoop(socket) == ["hello", "world", "last"])
        }

        @Test func encoding_AppendsALineAndASeedMessage_WhenBothShareABuffer() throws {
            _ = takePrinted()
            let output = try encoding()
            #expect(takePrinted() == ["15"])
            #expect(output == Array("hello\n".utf8) + [5, 0, 0, 0] + Array("world".utf8))
        }

        @Test func limits_PrintMessageTooLarge_WhenALengthFieldClaimsTooMuch() {
            _ = takePrinted()
            limits()
            #expect(takePrinted() == ["message of 1048576 bytes is over the limit of 1024 bytes"])
        }

        @Test func jsonHeaderMessages_RoundTrip_AndStreamTheBody() throws {
            _ = takePrinted()
            let bytes = try jsonHeaderMessages()
            #expect(takePrinted() == ["ls -l 4"])
            try streamingLargeBodies(bytes)
            #expect(takePrinted() == ["4 4"])
        }

        @Test func framingAtRunTime_DecodesWhatItEncoded() throws {
            _ = takePrinted()
            try framingAtRunTime()
            #expect(takePrinted() == ["ping"])
        }

        @Test func messagesOnAnAsyncSocket_PrintTheReply_WhenALineServerAnswers() async throws {
            let server = Server(listeners: [try Socket.listen(on: "127.0.0.1:0")], handler: makeUpperHandler())
            let address = try server.listeners[0].localAddress()
            let serving = Task { await server.run() }
            defer { server.shutdown() }
            _ = takePrinted()
            try await messagesOnAnAsyncSocket(address: address.description)
            #expect(takePrinted() == ["PING"])
            server.shutdown()
            await serving.value
        }

        @Test func messagesOnABlockingSocket_PrintTheSeedFramedReply_WhenAServerAnswers() async throws {
            let listener = try Socket.listen(on: "127.0.0.1:0")
            let address = try listener.localAddress().description
            // Reads one seed message and answers with another; closes on every path, so the
            // blocking sample is never left waiting.
            let server = Task {
                defer { listener.close() }
                let (connection, _) = try await listener.accept(deadline: soon())
                defer { connection.close() }
                var decoder = LengthPrefixedDecoder(.seed)
                var request: [UInt8]?
                while request == nil {
                    let chunk = try await connection.read(upTo: 64, deadline: soon())
                    guard !chunk.isEmpty else { break }
                    decoder.feed(chunk)
                    request = try decoder.next()
                }
                try await connection.write(message: Array("total 0".utf8), encoder: LengthPrefixedEncoder(.seed))
                return request
            }
            _ = takePrinted()
            try messagesOnABlockingSocket(address: address)
            #expect(try await server.value == Array("ls".utf8))
            #expect(takePrinted() == ["total 0"])
        }
    }
}
