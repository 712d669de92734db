import Framing
import Logging
import Sockets

#if canImport(Glibc)
    import Glibc
#endif

/// `files` (seed 003's file transfer with a custom header): stores and serves the
/// regular files of one directory. JSON-header requests, one response each, the
/// connection reusable (SPEC §4): ``FilesRequest`` in, ``FilesResponse`` out.
///
/// - put: the body is streamed to a temporary file in the root (`O_EXCL`, never
///   listed) while its SHA-256 is computed; only when all of it arrived and the
///   checksum matches is the file fsynced, renamed to its name and the directory
///   fsynced. A checksum mismatch, a short body or a dropped connection removes the
///   temporary file: nothing partial ever has the final name.
/// - get: the file's size and SHA-256, then its bytes, streamed from the disk.
/// - list: the regular files, sorted by name.
///
/// Names are flat (see ``FileName``); symlinks are followed only to files directly in
/// the root (see ``FilesRoot``). A request refused before its body (read-only, a bad
/// name) gets its error and the body is skipped, so the connection goes on; a put over
/// `--max-size`, or a header that is not a JSON object, gets its error and the
/// connection ends.
public struct FilesService: StreamService {
    /// The largest file a put may store (`nil`: no limit but the disk).
    public let maximumSize: Int?
    /// Whether puts are refused.
    public let isReadOnly: Bool
    /// Logs each put and get at `.info`.
    public let logger: Logger?
    let root: FilesRoot

    /// How long a connection being closed after an error may go on sending, so that
    /// its client can read the error before the connection resets.
    static let lingerTime = Duration.seconds(2)

    /// Opens the root and removes temporary files a killed server left in it.
    ///
    /// - Parameters:
    ///   - root: An existing directory.
    ///   - maximumSize: The largest file a put may store, or `nil` for no limit.
    ///   - readOnly: Refuse puts.
    ///   - logger: Logs puts and gets.
    /// - Throws: ``FilesError`` when the root cannot be opened.
    public init(root: String, maximumSize: Int? = nil, readOnly: Bool = false, logger: Logger? = nil) throws(FilesError) {
        self.root = try FilesRoot(path: root)
        self.maximumSize = maximumSize
        self.isReadOnly = readOnly
        self.logger = logger
        self.root.removeStaleTemporaryFiles()
    }

    /// The root directory, as given.
    public var rootPath: String { root.path }

    /// Serves requests until the client ends the stream.
    public func serve(_ connection: Connection) async throws {
        var reader = HeaderedRequestReader(connection)
        while true {
            let header: [UInt8]
            do {
                guard let next = try await reader.nextHeader() else { return }
                header = next
            } catch let error as FramingError {
                try await respond(FilesResponse(ok: false, error: "\(error)"), on: connection)
                await lingerAndClose(connection)
                return
            }
            do {
                guard try await answer(header, reader: &reader) else {
                    await lingerAndClose(connection)
                    return
                }
            } catch is ClientLeft {
                return
            }
        }
    }

    /// Answers one request; `false` when the connection must end (its body was not read).
    private func answer(_ header: [UInt8], reader: inout HeaderedRequestReader) async throws -> Bool {
        let connection = reader.connection
        let bodyLength: Int
        let request: FilesRequest
        do {
            bodyLength = try JSONHeaderMessage.bodyLength(ofHeader: header, maximumBodyLength: .max)
            request = try JSONHeaderMessage(header: header).decodeHeader(FilesRequest.self)
        } catch let error as FramingError {
            logRefusal(nil, name: nil, reason: "\(error)", peer: connection.peer)
            try await respond(FilesResponse(ok: false, error: "\(error)"), on: connection)
            return false
        } catch {
            let reason = FilesError.badRequest("expected {\"op\": \"put\"|\"get\"|\"list\", ...}")
            logRefusal(nil, name: nil, reason: "\(reason)", peer: connection.peer)
            return try await refuse(reason, bodyLength: 0, reader: &reader)
        }
        do {
            switch request.op {
            case "put":
                try await put(request, bodyLength: bodyLength, reader: &reader)
            case "get" where bodyLength == 0:
                try await get(request, on: connection)
            case "list" where bodyLength == 0:
                try await list(on: connection)
            case "get", "list":
                throw FilesError.badRequest("\(request.op) takes no body")
            default:
                throw FilesError.badRequest("unknown op \(request.op)")
            }
            return true
        } catch let error as RefusedRequest {
            logRefusal(request.op, name: request.name, reason: "\(error.reason)", peer: connection.peer)
            return try await refuse(error.reason, bodyLength: bodyLength, reader: &reader)
        } catch let error as FilesError {
            logRefusal(request.op, name: request.name, reason: "\(error)", peer: connection.peer)
            // The body, if any, was read: the connection can go on.
            try await respond(FilesResponse(ok: false, error: "\(error)"), on: connection)
            return true
        }
    }

    /// A request refused before its body was read.
    private struct RefusedRequest: Error {
        var reason: FilesError
    }

    /// The client ended the stream inside a body (it gave up, or it read a refusal and
    /// stopped sending): what happened is logged, and the connection ends quietly.
    private struct ClientLeft: Error {}

    /// Logs a request answered with an error, and why, at `.info`: a refusal is the
    /// service doing its job, not a fault of the server.
    private func logRefusal(_ operation: String?, name: String?, reason: String, peer: SocketAddress) {
        var metadata: Logger.Metadata = ["peer": "\(peer)", "reason": "\(reason)"]
        if let name { metadata["name"] = "\(name)" }
        // The op is the client's text: only the known ones go into the message.
        if let operation, ["put", "get", "list"].contains(operation) {
            logger?.info("\(operation) refused", metadata: metadata)
        } else {
            if let operation { metadata["op"] = "\(operation)" }
            logger?.info("request refused", metadata: metadata)
        }
    }

    /// Sends the error for a request refused before its body; skips the body when it is
    /// no larger than a put could be, so the connection goes on.
    ///
    /// - Returns: Whether the connection goes on.
    private func refuse(_ reason: FilesError, bodyLength: Int, reader: inout HeaderedRequestReader) async throws -> Bool {
        try await respond(FilesResponse(ok: false, error: "\(reason)"), on: reader.connection)
        guard bodyLength <= (maximumSize ?? .max) else { return false }
        do {
            try await reader.readBody(count: bodyLength) { _ in }
        } catch let error as SocketError where error.kind == .unexpectedEndOfStream {
            // The client read the refusal and stopped sending the body: the usual end.
            throw ClientLeft()
        }
        return true
    }

    // MARK: put

    private func put(_ request: FilesRequest, bodyLength: Int, reader: inout HeaderedRequestReader) async throws {
        guard !isReadOnly else { throw RefusedRequest(reason: .readOnly) }
        guard let name = request.name else { throw RefusedRequest(reason: .badRequest("put needs a name")) }
        do { try FileName.validate(name) } catch { throw RefusedRequest(reason: error) }
        guard let size = request.size else { throw RefusedRequest(reason: .badRequest("put needs a size")) }
        guard let expected = request.sha256.flatMap(ContentHasher.normalized) else {
            throw RefusedRequest(reason: .badRequest("put needs a sha256 of 64 hex digits"))
        }
        if let maximumSize, size > maximumSize {
            throw RefusedRequest(reason: .tooLarge(size: size, limit: maximumSize))
        }

        let (file, temporaryName): (DiskFile, String)
        do {
            (file, temporaryName) = try await performBlockingWork { () throws(FilesError) in try root.createTemporaryFile() }
        } catch {
            throw RefusedRequest(reason: error)
        }
        var committed = false
        defer { if !committed { root.removeTemporaryFile(temporaryName) } }

        var hasher = ContentHasher()
        var writeError: FilesError?
        var received = 0
        do {
            try await reader.readBody(count: bodyLength) { chunk in
                received += chunk.count
                guard writeError == nil else { return }
                do throws(FilesError) {
                    try await performBlockingWork { () throws(FilesError) in
                        hasher.update(chunk)
                        try file.write(chunk)
                    }
                } catch {
                    writeError = error
                }
            }
        } catch let error as SocketError where error.kind == .unexpectedEndOfStream {
            logger?.info(
                "put abandoned",
                metadata: [
                    "peer": "\(reader.connection.peer)", "name": "\(name)", "received": "\(received)", "size": "\(size)",
                    "reason": "the client closed the connection before the whole file arrived",
                ])
            throw ClientLeft()
        }
        if let writeError { throw writeError }
        let actual = hasher.finalize()
        guard actual == expected else { throw FilesError.checksumMismatch(expected: expected, actual: actual) }
        try await performBlockingWork { () throws(FilesError) in
            try file.sync()
            try root.commit(temporaryName: temporaryName, as: name)
        }
        committed = true
        logger?.info("put", metadata: ["peer": "\(reader.connection.peer)", "name": "\(name)", "size": "\(size)"])
        try await respond(FilesResponse(ok: true), on: reader.connection)
    }

    // MARK: get

    private func get(_ request: FilesRequest, on connection: Connection) async throws {
        guard let name = request.name else { throw FilesError.badRequest("get needs a name") }
        try FileName.validate(name)
        let (file, size) = try await performBlockingWork { () throws(FilesError) in
            let file = try root.openForReading(name)
            return (file, Int(try file.status().st_size))
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: HeaderedRequestReader.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        // The header carries the checksum, so the file is read twice: hashed, then sent.
        var hasher = ContentHasher()
        try await Self.forEachChunk(of: file, size: size, into: buffer) { hasher.update($0) }
        try await respond(FilesResponse(ok: true, size: size, sha256: hasher.finalize()), on: connection)
        logger?.info("get", metadata: ["peer": "\(connection.peer)", "name": "\(name)", "size": "\(size)"])
        try await Self.forEachChunk(of: file, size: size, into: buffer) { try await connection.write($0) }
    }

    /// Reads the first `size` bytes of `file` chunk by chunk, each read off the reactor,
    /// and hands each chunk to `body`.
    ///
    /// - Throws: ``FilesError`` when reading fails or the file shrank (a response header
    ///   that promised `size` bytes cannot keep its promise then), or what `body` throws.
    private static func forEachChunk(
        of file: DiskFile, size: Int, into buffer: UnsafeMutableRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) async throws -> Void
    ) async throws {
        var offset = 0
        while offset < size {
            let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, size - offset)])
            let count = try await performBlockingWork { () throws(FilesError) in try file.read(into: piece, at: offset) }
            guard count > 0 else { throw FilesError.system(operation: "read: the file shrank while it was read", errno: EIO) }
            try await body(UnsafeRawBufferPointer(rebasing: piece[..<count]))
            offset += count
        }
    }

    // MARK: list

    private func list(on connection: Connection) async throws {
        let entries = try await performBlockingWork { () throws(FilesError) in try root.list() }
        var files = entries.map { FilesResponse.Entry(name: $0.name, size: $0.size) }
        var response = FilesResponse(ok: true, files: files)
        var length = try JSONHeaderMessage(header: response).header.count
        while length > JSONHeaderMessage.maximumHeaderLength {
            // Keep the share of the files that fits, a little less, until it fits.
            let keep = max(0, files.count * JSONHeaderMessage.maximumHeaderLength / length - 1)
            files.removeLast(files.count - keep)
            response = FilesResponse(ok: true, files: files, truncated: true)
            length = try JSONHeaderMessage(header: response).header.count
        }
        try await respond(response, on: connection)
    }

    // MARK: wire

    /// Sends a response header: its length, big-endian, then its JSON. A get's body
    /// follows separately.
    private func respond(_ response: FilesResponse, on connection: Connection) async throws {
        var bytes: [UInt8] = []
        try LengthPrefixedEncoder(.length).encode(try JSONHeaderMessage(header: response).header, into: &bytes)
        try await connection.write(bytes)
    }

    /// Ends a connection whose request could not be read to its end: stops writing, then
    /// drops what the client still sends for a moment, so that it can read the error
    /// response before closing (closing with unread input would reset the connection).
    private func lingerAndClose(_ connection: Connection) async {
        try? await connection.closeWrite()
        let deadline = ContinuousClock.now.advanced(by: Self.lingerTime)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while let count = try? await connection.socket.read(into: buffer, deadline: deadline), count > 0 {}
    }
}
