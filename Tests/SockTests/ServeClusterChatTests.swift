import Foundation
import Framing
import Sockets
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension E2ESuite {
    /// `sock serve chat --cluster`: one room over several nodes through a real `redis-server`
    /// (SPEC §8).
    @Suite(.enabled(if: RedisServer.isInstalled, "redis-server is not installed"))
    struct ServeClusterChatTests {
        /// Starts a node of the room on `redis` and waits until it is linked.
        /// (`nodeTTL` nil: the default, 10 s.)
        static func node(_ name: String, _ redis: RedisServer, nodeTTL: String? = "3") throws -> E2EServer {
            let ttl = nodeTTL.map { ["--cluster-node-ttl", $0] } ?? []
            let node = try E2EServer.serve("chat", ["--cluster", redis.url, "--node", name] + ttl)
            guard node.standardError.wait(forText: "cluster: linked") else {
                throw HarnessError("node \(name) did not link: \(node.standardError.text)")
            }
            return node
        }

        /// The first line `client` receives that satisfies `predicate`, skipping the others.
        static func line(_ client: E2EClient, where predicate: (String) -> Bool) throws -> String {
            while let line = try client.receiveText() {
                if predicate(line) { return line }
            }
            throw HarnessError("the connection ended before the line")
        }

        /// Skips lines until `expected`.
        static func expect(_ client: E2EClient, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(try line(client) { $0 == expected } == expected, sourceLocation: sourceLocation)
        }

        /// Sends `/who` until the answer satisfies `predicate` (membership changes travel
        /// through Redis); the last answer.
        static func who(_ client: E2EClient, until predicate: (String) -> Bool) async throws -> String {
            var answer = ""
            _ = try await eventually {
                try client.send("/who")
                answer = try line(client) { $0.hasPrefix("* online: ") }
                return predicate(answer)
            }
            return answer
        }

        @Test(arguments: [
            (["echo", "--cluster", "redis://127.0.0.1:1"], "--cluster is for chat over TCP or unix streams"),
            (["chat", "--udp", "--cluster", "redis://127.0.0.1:1"], "--cluster is for chat over TCP or unix streams"),
            (["chat", "--room", "r"], "--room needs --cluster"),
            (["chat", "--node", "n"], "--node needs --cluster"),
            (
                ["chat", "--cluster", "http://127.0.0.1:1"],
                "only redis:// and rediss://[[USER]:PASSWORD@]HOST:PORT[/DB] are supported"
            ),
            (["chat", "--cluster-ca", "/ca.pem"], "--cluster-ca needs --cluster"),
            (
                ["chat", "--cluster", "redis://127.0.0.1:1", "--cluster-ca", "/ca.pem"],
                "--cluster-ca is for a rediss:// --cluster"
            ),
            (["chat", "--cluster", "rediss://127.0.0.1:1", "--cluster-ca", "/nonexistent/ca.pem"], "--cluster-ca: "),
        ])
        func clusterChat_RefusesOptionsThatDoNotFit(arguments: [String], message: String) throws {
            let result = try E2ERun.sock(["serve"] + arguments)
            #expect(result.status == 64, "\(result.standardError)")
            #expect(result.standardError.contains(message), "\(result.standardError)")
        }

        @Test func clusterChat_DeliversLinesAcrossNodes_InEachSendersOrder() throws {
            let redis = try RedisServer()
            let a = try Self.node("a", redis)
            defer { a.stop() }
            let b = try Self.node("b", redis)
            defer { b.stop() }
            let x = try a.connect()
            try Self.expect(x, "* guest-1 joined")
            let y = try b.connect()
            try Self.expect(y, "* guest-2 joined")
            try Self.expect(x, "* guest-2 joined")
            for index in 0..<200 { try x.send("x \(index)") }
            for index in 0..<200 { try y.send("y \(index)") }
            // x's `joined` may reach node b after y joined there (node a publishes it after
            // telling x): notices are skipped, lines are not.
            var fromX: [String] = []
            while fromX.count < 200 { fromX.append(try Self.line(y) { !$0.hasPrefix("* ") }) }
            #expect(fromX == (0..<200).map { "guest-1: x \($0)" })
            var fromY: [String] = []
            while fromY.count < 200 { fromY.append(try #require(try x.receiveText())) }
            #expect(fromY == (0..<200).map { "guest-2: y \($0)" })
        }

        @Test func clusterChat_ListsEveryNodesMembers_AndALateNodeSeesThem() async throws {
            let redis = try RedisServer()
            let a = try Self.node("a", redis)
            defer { a.stop() }
            let b = try Self.node("b", redis)
            defer { b.stop() }
            let x = try a.connect()
            try Self.expect(x, "* guest-1 joined")
            try x.send("/nick xavier")
            try Self.expect(x, "* guest-1 is now xavier")
            let y = try b.connect()
            try Self.expect(y, "* guest-2 joined")
            #expect(try await Self.who(y) { $0 == "* online: guest-2, xavier" } == "* online: guest-2, xavier")
            let c = try Self.node("c", redis)
            defer { c.stop() }
            let z = try c.connect()
            try Self.expect(z, "* guest-3 joined")
            let everyone = "* online: guest-3, xavier, guest-2"
            #expect(try await Self.who(z) { $0 == everyone } == everyone)
            try Self.expect(x, "* guest-3 joined")
            try Self.expect(y, "* guest-3 joined")
        }

        @Test func clusterChat_RoutesPrivateMessages_AndRefusesANameTakenOnAnotherNode() async throws {
            let redis = try RedisServer()
            let a = try Self.node("a", redis)
            defer { a.stop() }
            let b = try Self.node("b", redis)
            defer { b.stop() }
            let x = try a.connect()
            try Self.expect(x, "* guest-1 joined")
            let w = try a.connect()
            try Self.expect(w, "* guest-2 joined")
            let y = try b.connect()
            try Self.expect(y, "* guest-3 joined")
            try x.send("/nick alice")
            try Self.expect(y, "* guest-1 is now alice")
            try y.send("/nick alice")
            #expect(try y.receiveText() == "! name taken")
            try y.send("/msg alice psst")
            try Self.expect(x, "guest-3 (private): psst")
            try x.send("/msg guest-3 hi back")
            #expect(try y.receiveText() == "alice (private): hi back")
            // Nothing else reached the third member: its next line is the sentinel.
            try y.send("sentinel")
            #expect(try Self.line(w) { !$0.hasPrefix("* ") } == "guest-3: sentinel")
        }

        @Test(arguments: ["3", nil])
        func clusterChat_DropsADeadNodesMembersWithin15Seconds_WhenTheNodeIsKilled(nodeTTL: String?) async throws {
            let redis = try RedisServer()
            let a = try Self.node("a", redis, nodeTTL: nodeTTL)
            defer { a.stop() }
            let b = try Self.node("b", redis, nodeTTL: nodeTTL)
            defer { b.stop() }
            do {
                let x = try a.connect()
                try Self.expect(x, "* guest-1 joined")
                let y = try b.connect()
                try Self.expect(y, "* guest-2 joined")
                try Self.expect(x, "* guest-2 joined")
                _ = try await Self.who(x) { $0 == "* online: guest-1, guest-2" }
                let killed = ContinuousClock.now
                b.stop(SIGKILL)
                x.socket.timeout = .seconds(15)
                try Self.expect(x, "* guest-2 left")
                #expect(ContinuousClock.now - killed < .seconds(15))
                try x.send("/who")
                #expect(try Self.line(x) { $0.hasPrefix("* online: ") } == "* online: guest-1")
            } catch {
                Issue.record("\(error); node a's log: \(a.standardError.text); node b's log: \(b.standardError.text)")
            }
        }

        @Test func clusterChat_AnnouncesLeaving_WhenANodeIsStoppedWithSIGTERM() throws {
            let redis = try RedisServer()
            let a = try Self.node("a", redis, nodeTTL: nil)
            defer { a.stop() }
            let b = try Self.node("b", redis, nodeTTL: nil)
            let x = try a.connect()
            try Self.expect(x, "* guest-1 joined")
            let y = try b.connect()
            try Self.expect(y, "* guest-2 joined")
            try Self.expect(x, "* guest-2 joined")
            let stopped = ContinuousClock.now
            #expect(b.stop() == 0)
            try Self.expect(x, "* guest-2 left")
            // Not the heartbeat's expiry (10 s): the node said it.
            #expect(ContinuousClock.now - stopped < .seconds(5))
        }

        @Test func clusterChat_KeepsDeliveringLocally_WhileRedisIsStalled() throws {
            let redis = try RedisServer()
            let a = try Self.node("a", redis)
            defer { a.stop() }
            let x = try a.connect()
            try Self.expect(x, "* guest-1 joined")
            let w = try a.connect()
            try Self.expect(w, "* guest-2 joined")
            redis.process.send(SIGSTOP)
            defer { redis.process.send(SIGCONT) }
            // Redis answers nothing now; the room does not wait for it.
            let start = ContinuousClock.now
            for index in 0..<500 { try x.send("line \(index)") }
            for index in 0..<500 { #expect(try Self.line(w) { !$0.hasPrefix("* ") } == "guest-1: line \(index)") }
            #expect(ContinuousClock.now - start < .seconds(2))
            try Self.expect(x, "* cluster link down")
            redis.process.send(SIGCONT)
            try Self.expect(w, "* cluster link restored")
        }

        @Test func clusterChat_KeepsTheLocalRoom_WhileRedisIsDown_AndRelinks() async throws {
            var redis = try RedisServer()
            let port = redis.port
            let a = try Self.node("a", redis)
            defer { a.stop() }
            let b = try Self.node("b", redis)
            defer { b.stop() }
            let x = try a.connect()
            try Self.expect(x, "* guest-1 joined")
            let w = try a.connect()
            try Self.expect(w, "* guest-2 joined")
            let y = try b.connect()
            try Self.expect(y, "* guest-3 joined")
            try Self.expect(x, "* guest-3 joined")
            redis.kill()
            for member in [x, w, y] { try Self.expect(member, "* cluster link down") }
            try x.send("still here")
            #expect(try w.receiveText() == "guest-1: still here")
            #expect(a.isRunning && b.isRunning)
            redis = try RedisServer(port: port)
            for member in [x, w, y] { try Self.expect(member, "* cluster link restored") }
            try x.send("across again")
            #expect(try w.receiveText() == "guest-1: across again")
            #expect(try Self.line(y) { !$0.hasPrefix("* ") } == "guest-1: across again")
            #expect(
                try await Self.who(y) { $0 == "* online: guest-3, guest-1, guest-2" } == "* online: guest-3, guest-1, guest-2")
        }

        @Test(arguments: [("a", "b"), ("b", "a")])
        func clusterChat_ReclaimsNamesAndSettlesAClashByNodeName_WhenRedisRestartsEmpty(
            holderNode: String, outageNode: String
        ) async throws {
            var redis = try RedisServer()
            let port = redis.port
            let holder = try Self.node(holderNode, redis)
            defer { holder.stop() }
            let other = try Self.node(outageNode, redis)
            defer { other.stop() }
            let x = try holder.connect()
            try Self.expect(x, "* guest-1 joined")
            try x.send("/nick alice")
            try Self.expect(x, "* guest-1 is now alice")
            let y = try other.connect()
            try Self.expect(y, "* guest-2 joined")
            try Self.expect(x, "* guest-2 joined")
            redis.kill()
            for member in [x, y] { try Self.expect(member, "* cluster link down") }
            // Each node is alone: the other one lets its member take the holder's name.
            try y.send("/nick alice")
            try Self.expect(y, "* guest-2 is now alice")
            redis = try RedisServer(port: port)
            // Redis is empty (no persistence). The member on node "a" keeps the name, whoever
            // had it first and whichever node relinks first; the other is told and renamed
            // to the room's first guest number (the counter restarted too).
            let (keeper, loser) = holderNode < outageNode ? (x, y) : (y, x)
            try Self.expect(loser, "! name alice is taken on another node; you are now guest-1")
            try Self.expect(loser, "* alice is now guest-1")
            try Self.expect(keeper, "* alice is now guest-1")
            #expect(try await Self.who(keeper) { $0.contains("guest-1") } == "* online: alice, guest-1")
            // Both nodes are registered again (heartbeats, members, claims): a new node sees
            // them, and alice is taken across the room.
            let late = try Self.node("c", redis)
            defer { late.stop() }
            let z = try late.connect()
            try Self.expect(z, "* guest-2 joined")
            // Node a's members, then node b's: alice is on a in both cases.
            let everyone = "* online: guest-2, alice, guest-1"
            #expect(try await Self.who(z) { $0 == everyone } == everyone)
            try z.send("/nick alice")
            #expect(try Self.line(z) { $0.hasPrefix("!") } == "! name taken")
        }

        @Test func clusterChat_LinksOverTLS_WhenTheClusterURLIsRediss() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let authority = try TLSCertificate.selfSigned(hosts: ["Test Redis CA"])
            let certificate = try authority.issue(hosts: ["127.0.0.1"])
            let files = try RedisServer.TLSFiles(
                certificatePEM: certificate.certificatePEM, keyPEM: certificate.privateKeyPEM,
                authorityPEM: authority.certificatePEM, in: directory)
            let redis = try RedisServer(tls: files)
            let tls = ["--cluster", redis.url, "--cluster-ca", files.authority, "--cluster-node-ttl", "3"]
            let a = try E2EServer.serve("chat", tls + ["--node", "a"])
            defer { a.stop() }
            let b = try E2EServer.serve("chat", ["--cluster", "\(redis.url)?ssl_ca_certs=\(files.authority)", "--node", "b"])
            defer { b.stop() }
            for node in [a, b] {
                guard node.standardError.wait(forText: "cluster: linked") else {
                    throw HarnessError("a node did not link over TLS: \(node.standardError.text)")
                }
            }
            let x = try a.connect()
            try Self.expect(x, "* guest-1 joined")
            let y = try b.connect()
            try Self.expect(y, "* guest-2 joined")
            try Self.expect(x, "* guest-2 joined")
            try x.send("over TLS")
            #expect(try Self.line(y) { !$0.hasPrefix("* ") } == "guest-1: over TLS")
            // A node that does not trust the server's CA never links; its room works alone.
            let stranger = try TLSCertificate.selfSigned(hosts: ["Another CA"])
            try stranger.certificatePEM.write(toFile: directory.file("other.crt"), atomically: false, encoding: .utf8)
            let c = try E2EServer.serve(
                "chat", ["--cluster", redis.url, "--cluster-ca", directory.file("other.crt"), "--node", "c"])
            defer { c.stop() }
            #expect(c.standardError.wait(forText: "certificate verify failed"), "\(c.standardError.text)")
            #expect(c.isRunning)
        }
    }
}
