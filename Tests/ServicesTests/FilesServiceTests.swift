import Foundation
import Framing
import Sockets
import TestSupport
import Testing

@testable import Services

#if canImport(Glibc)
    import Glibc
#endif

@Suite("FilesService", .timeLimit(.minutes(1)))
struct FilesServiceTests {
    typealias Harness = ExecFilesHarness

    /// Runs `body` with a files service on a new temporary root, then removes the root.
    static func withFiles<T: Sendable>(
        maximumSize: Int? = nil, readOnly: Bool = false, prepare: (String) throws -> Void = { _ in },
        _ body: @escaping @Sendable (SocketAddress, String) throws -> T
    ) async throws -> T {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let root = temporary.file("root")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        try prepare(root)
        let service = try FilesService(root: root, maximumSize: maximumSize, readOnly: readOnly)
        return try await Harness.withServer(service) { address in
            try await onThread { try body(address, root) }
        }
    }

    /// The names in a directory, hidden ones included, sorted.
    static func contents(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    // MARK: Round trips

    @Test("put, list and get round trip, a 20 MiB file included, on one connection")
    func roundTrip() async throws {
        let big = bytePattern(count: 20 * 1024 * 1024, seed: 7)
        let (put, list, small, large, onDisk) = try await Self.withFiles { address, root in
            let client = try JSONHeaderTestClient(address)
            var puts: [FilesResponse] = []
            for (name, bytes) in [("hello.txt", Array("hello\n".utf8)), ("big.bin", big), ("empty", [])] {
                try client.send(
                    FilesRequest(op: "put", name: name, size: bytes.count, sha256: ContentHasher.digest(bytes)), body: bytes)
                puts.append(try client.receive(FilesResponse.self).header)
            }
            try client.send(FilesRequest(op: "list"))
            let list = try client.receive(FilesResponse.self).header
            try client.send(FilesRequest(op: "get", name: "hello.txt"))
            let small = try client.receive(FilesResponse.self)
            try client.send(FilesRequest(op: "get", name: "big.bin"))
            let large = try client.receive(FilesResponse.self)
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: root + "/big.bin"))
            return (puts, list, small, large, Array(onDisk) == big)
        }
        #expect(put == Array(repeating: FilesResponse(ok: true), count: 3))
        #expect(
            list
                == FilesResponse(
                    ok: true,
                    files: [
                        .init(name: "big.bin", size: big.count), .init(name: "empty", size: 0), .init(name: "hello.txt", size: 6),
                    ]))
        #expect(small.header == FilesResponse(ok: true, size: 6, sha256: ContentHasher.digest(Array("hello\n".utf8))))
        #expect(small.body == Array("hello\n".utf8))
        #expect(large.header.sha256 == ContentHasher.digest(big))
        #expect(large.body == big)
        #expect(onDisk)
    }

    @Test("a put replaces the file of the same name")
    func put_Replaces() async throws {
        let body = try await Self.withFiles { address, _ in
            let client = try JSONHeaderTestClient(address)
            for text in ["first version", "second"] {
                let bytes = Array(text.utf8)
                try client.send(
                    FilesRequest(op: "put", name: "f", size: bytes.count, sha256: ContentHasher.digest(bytes)), body: bytes)
                _ = try client.receive(FilesResponse.self)
            }
            try client.send(FilesRequest(op: "get", name: "f"))
            return try client.receive(FilesResponse.self).body
        }
        #expect(body == Array("second".utf8))
    }

    @Test("a put followed at once by another request is answered in order")
    func put_Pipelined() async throws {
        let replies = try await Self.withFiles { address, _ in
            let client = try JSONHeaderTestClient(address)
            let bytes = bytePattern(count: 100_000)
            var wire: [UInt8] = []
            for header in [
                try JSONHeaderMessage(
                    header: FilesRequest(op: "put", name: "p", size: bytes.count, sha256: ContentHasher.digest(bytes))
                ).header,
                try JSONHeaderMessage(header: FilesRequest(op: "list")).header,
            ] {
                try LengthPrefixedEncoder(.length).encode(header, into: &wire)
                if wire.count < 200 { wire += bytes }
            }
            try client.socket.sendAll(wire)
            return [try client.receive(FilesResponse.self).header, try client.receive(FilesResponse.self).header]
        }
        #expect(replies == [FilesResponse(ok: true), FilesResponse(ok: true, files: [.init(name: "p", size: 100_000)])])
    }

    // MARK: Nothing partial

    @Test("a checksum mismatch leaves nothing behind; the connection goes on")
    func put_ChecksumMismatch() async throws {
        let (reply, list, contents) = try await Self.withFiles { address, root in
            let client = try JSONHeaderTestClient(address)
            let bytes = bytePattern(count: 300_000)
            try client.send(
                FilesRequest(op: "put", name: "bad", size: bytes.count, sha256: ContentHasher.digest([1, 2, 3])), body: bytes)
            let reply = try client.receive(FilesResponse.self).header
            try client.send(FilesRequest(op: "list"))
            return (reply, try client.receive(FilesResponse.self).header, Self.contents(root))
        }
        #expect(reply.ok == false)
        #expect(reply.error?.hasPrefix("checksum mismatch") == true)
        #expect(list == FilesResponse(ok: true, files: []))
        #expect(contents == [])
    }

    @Test("a body cut short by a disconnect leaves nothing behind, and the temporary file is never listed")
    func put_ShortBodyThenDisconnect() async throws {
        let (whileUploading, listed, afterwards) = try await Self.withFiles { address, root in
            let uploader = try JSONHeaderTestClient(address)
            let bytes = bytePattern(count: 1024 * 1024)
            var wire: [UInt8] = []
            try LengthPrefixedEncoder(.length).encode(
                try JSONHeaderMessage(
                    header: FilesRequest(op: "put", name: "partial", size: bytes.count, sha256: ContentHasher.digest(bytes))
                ).header,
                into: &wire)
            try uploader.socket.sendAll(wire + bytes[..<5000])
            // The temporary file exists once the server has started on the body.
            let deadline = ContinuousClock.now + .seconds(5)
            while Self.contents(root).isEmpty && ContinuousClock.now < deadline { usleep(5000) }
            let whileUploading = Self.contents(root)
            let lister = try JSONHeaderTestClient(address)
            try lister.send(FilesRequest(op: "list"))
            let listed = try lister.receive(FilesResponse.self).header
            uploader.socket.close()
            while !Self.contents(root).isEmpty && ContinuousClock.now < deadline + .seconds(5) { usleep(5000) }
            return (whileUploading, listed, Self.contents(root))
        }
        #expect(whileUploading.count == 1)
        #expect(whileUploading.first?.hasPrefix(".sock-put-") == true)
        #expect(listed == FilesResponse(ok: true, files: []))
        #expect(afterwards == [])
    }

    // MARK: Names

    @Test(
        "names that would leave the root are refused",
        arguments: [
            "../x", "/etc/passwd", "a/../../x", "x\u{0}y", "", ".", "..", "sub/file", "./x", ".sock-put-1.tmp",
            String(repeating: "n", count: 256),
        ])
    func names_OutsideRootAreRefused(name: String) async throws {
        let (put, get, list, outside) = try await Self.withFiles { address, root in
            let client = try JSONHeaderTestClient(address)
            let bytes = Array("payload".utf8)
            try client.send(
                FilesRequest(op: "put", name: name, size: bytes.count, sha256: ContentHasher.digest(bytes)), body: bytes)
            let put = try client.receive(FilesResponse.self).header
            try client.send(FilesRequest(op: "get", name: name))
            let get = try client.receive(FilesResponse.self).header
            try client.send(FilesRequest(op: "list"))
            let list = try client.receive(FilesResponse.self).header
            let parent = String(root.dropLast(5))
            return (put, get, list, Self.contents(parent))
        }
        #expect(put.ok == false)
        #expect(put.error?.hasPrefix("invalid name") == true)
        #expect(get.ok == false)
        #expect(list == FilesResponse(ok: true, files: []))
        #expect(outside == ["root"])
    }

    @Test("odd but flat names stay in the root", arguments: ["..\\..", "...", ".hidden", "a b", "naïve 名前", "-rf"])
    func names_FlatOddNamesWork(name: String) async throws {
        let (put, get, contents) = try await Self.withFiles { address, root in
            let client = try JSONHeaderTestClient(address)
            let bytes = Array(name.utf8)
            try client.send(
                FilesRequest(op: "put", name: name, size: bytes.count, sha256: ContentHasher.digest(bytes)), body: bytes)
            let put = try client.receive(FilesResponse.self).header
            try client.send(FilesRequest(op: "get", name: name))
            return (put, try client.receive(FilesResponse.self).body, Self.contents(root))
        }
        #expect(put == FilesResponse(ok: true))
        #expect(get == Array(name.utf8))
        #expect(contents == [name])
    }

    @Test("a symlink out of the root is refused; one to a file in the root is followed")
    func names_Symlinks() async throws {
        let (outside, inside, toDirectory, directory, inSubdirectory, list) = try await Self.withFiles(prepare: { root in
            let manager = FileManager.default
            try manager.createSymbolicLink(atPath: root + "/etc-passwd", withDestinationPath: "/etc/passwd")
            try manager.createSymbolicLink(atPath: root + "/etc", withDestinationPath: "/etc")
            try Data("target\n".utf8).write(to: URL(fileURLWithPath: root + "/target.txt"))
            try manager.createSymbolicLink(atPath: root + "/alias", withDestinationPath: "target.txt")
            try manager.createDirectory(atPath: root + "/sub", withIntermediateDirectories: false)
            try Data("deep\n".utf8).write(to: URL(fileURLWithPath: root + "/sub/deep.txt"))
            try manager.createSymbolicLink(atPath: root + "/deep", withDestinationPath: "sub/deep.txt")
        }) { address, _ in
            let client = try JSONHeaderTestClient(address)
            func get(_ name: String) throws -> (header: FilesResponse, body: [UInt8]) {
                try client.send(FilesRequest(op: "get", name: name))
                return try client.receive(FilesResponse.self)
            }
            try client.send(FilesRequest(op: "list"))
            let list = try client.receive(FilesResponse.self).header
            return (
                try get("etc-passwd").header, try get("alias"), try get("etc").header, try get("sub").header,
                try get("deep").header, list
            )
        }
        #expect(outside == FilesResponse(ok: false, error: "symlink leads outside the root: etc-passwd"))
        #expect(inside.body == Array("target\n".utf8))
        #expect(toDirectory == FilesResponse(ok: false, error: "symlink leads outside the root: etc"))
        #expect(directory == FilesResponse(ok: false, error: "not a regular file: sub"))
        #expect(inSubdirectory == FilesResponse(ok: false, error: "symlink leads outside the root: deep"))
        #expect(list == FilesResponse(ok: true, files: [.init(name: "target.txt", size: 7)]))
    }

    @Test("a put over a symlink replaces the link, never its target")
    func names_PutReplacesSymlink() async throws {
        let outside = try TemporaryDirectory()
        defer { outside.remove() }
        let outsideFile = outside.path
        try Data("untouched".utf8).write(to: URL(fileURLWithPath: outsideFile + "/victim"))
        let (reply, isLink) = try await Self.withFiles(prepare: { root in
            try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: outsideFile + "/victim")
        }) { address, root in
            let client = try JSONHeaderTestClient(address)
            let bytes = Array("new".utf8)
            try client.send(FilesRequest(op: "put", name: "link", size: 3, sha256: ContentHasher.digest(bytes)), body: bytes)
            let reply = try client.receive(FilesResponse.self).header
            var info = stat()
            lstat(root + "/link", &info)
            return (reply, info.st_mode & S_IFMT == S_IFLNK)
        }
        #expect(reply == FilesResponse(ok: true))
        #expect(!isLink)
        #expect(try String(contentsOfFile: outsideFile + "/victim", encoding: .utf8) == "untouched")
    }

    // MARK: Limits and modes

    @Test("read-only refuses puts and skips their bodies; gets still work")
    func readOnly_RefusesPut() async throws {
        let (put, get, contents) = try await Self.withFiles(
            readOnly: true,
            prepare: { root in
                try Data("kept".utf8).write(to: URL(fileURLWithPath: root + "/kept"))
            }
        ) { address, root in
            let client = try JSONHeaderTestClient(address)
            let bytes = bytePattern(count: 70_000)
            try client.send(
                FilesRequest(op: "put", name: "new", size: bytes.count, sha256: ContentHasher.digest(bytes)), body: bytes)
            let put = try client.receive(FilesResponse.self).header
            try client.send(FilesRequest(op: "get", name: "kept"))
            return (put, try client.receive(FilesResponse.self), Self.contents(root))
        }
        #expect(put == FilesResponse(ok: false, error: "the server is read-only"))
        #expect(get.body == Array("kept".utf8))
        #expect(contents == ["kept"])
    }

    @Test("a put over --max-size is refused before its body and ends the connection")
    func maxSize_RefusesLargePut() async throws {
        let (atLimit, over, closed, contents) = try await Self.withFiles(maximumSize: 1000) { address, root in
            let client = try JSONHeaderTestClient(address)
            let fits = bytePattern(count: 1000)
            try client.send(
                FilesRequest(op: "put", name: "fits", size: fits.count, sha256: ContentHasher.digest(fits)), body: fits)
            let atLimit = try client.receive(FilesResponse.self).header
            try client.send(FilesRequest(op: "put", name: "over", size: 1001, sha256: ContentHasher.digest([])))
            let over = try client.receive(FilesResponse.self).header
            return (atLimit, over, try client.isClosedByServer(), Self.contents(root))
        }
        #expect(atLimit == FilesResponse(ok: true))
        #expect(over == FilesResponse(ok: false, error: "file of 1001 bytes is over the limit of 1000 bytes"))
        #expect(closed)
        #expect(contents == ["fits"])
    }

    @Test("bad requests get errors; a header that is not a JSON object ends the connection")
    func requests_Errors() async throws {
        let (replies, closed) = try await Self.withFiles { address, _ in
            let client = try JSONHeaderTestClient(address)
            var replies: [FilesResponse] = []
            for request in [
                FilesRequest(op: "delete", name: "x"), FilesRequest(op: "get"), FilesRequest(op: "get", name: "missing"),
                FilesRequest(op: "put", name: "x", size: 1, sha256: "abc"),
                FilesRequest(op: "put", name: "x", sha256: ContentHasher.digest([])),
            ] {
                try client.send(request, body: request.size.map { Array(repeating: 0, count: $0) } ?? [])
                replies.append(try client.receive(FilesResponse.self).header)
            }
            try client.send(rawHeader: #"{"no_op": true}"#)
            replies.append(try client.receive(FilesResponse.self).header)
            try client.send(rawHeader: "[\"list\"]")
            replies.append(try client.receive(FilesResponse.self).header)
            return (replies, try client.isClosedByServer())
        }
        #expect(
            replies.map(\.error) == [
                "bad request: unknown op delete", "bad request: get needs a name", "no such file: missing",
                "bad request: put needs a sha256 of 64 hex digits", "bad request: put needs a size",
                #"bad request: expected {"op": "put"|"get"|"list", ...}"#, "malformed header: header is not a JSON object",
            ])
        #expect(closed)
    }

    @Test("list: regular files only, sorted by bytes, without temporary files")
    func list_SortedRegularFiles() async throws {
        let list = try await Self.withFiles { address, root in
            for name in ["b", "a", "B", "é", "_"] {
                try Data(name.utf8).write(to: URL(fileURLWithPath: root + "/" + name))
            }
            try Data().write(to: URL(fileURLWithPath: root + "/.sock-put-123.tmp"))
            try FileManager.default.createDirectory(atPath: root + "/dir", withIntermediateDirectories: false)
            let client = try JSONHeaderTestClient(address)
            try client.send(FilesRequest(op: "list"))
            return try client.receive(FilesResponse.self).header
        }
        #expect(list.files?.map(\.name) == ["B", "_", "a", "b", "é"])
        #expect(list.files?.last?.size == 2)
    }

    @Test("a list too long for one header is cut to fit and marked truncated")
    func list_Truncated() async throws {
        let (list, headerLength) = try await Self.withFiles { address, root in
            for index in 0..<1000 {
                let name = String(format: "%04d-", index) + String(repeating: "x", count: 95)
                let fd = creat(root + "/" + name, 0o644)
                guard fd >= 0 else { throw HarnessError("creat failed") }
                close(fd)
            }
            let client = try JSONHeaderTestClient(address)
            try client.send(FilesRequest(op: "list"))
            guard let message = try client.receive() else { throw HarnessError("the server closed the connection") }
            return (try message.decodeHeader(FilesResponse.self), message.header.count)
        }
        #expect(list.truncated == true)
        #expect(headerLength <= 64 * 1024)
        #expect((list.files?.count ?? 0) > 400)
        #expect(list.files?.first?.name.hasPrefix("0000-") == true)
    }

    @Test("disk work runs off the reactor thread")
    func blockingWork_RunsOffReactor() async throws {
        let threads = await Task(executorPreference: Reactor.shared) {
            (
                Reactor.shared.isCurrentThread, await performBlockingWork { Reactor.shared.isCurrentThread },
                Reactor.shared.isCurrentThread
            )
        }.value
        #expect(threads.0)
        #expect(!threads.1)
        #expect(threads.2)
    }
}
