import AsyncHTTPClient
import CStarSandbox
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite("End to end: the built binary migrates the sample's customers")
struct MigrateCustomersTests {
    /// End-users with an email in the sample, as cStar must hold them: trimmed, lower-cased, once each.
    static func expectedEmails() throws -> Set<String> {
        let data = try Data(contentsOf: CLIProcess.repoRoot.appendingPathComponent("Samples/zendesk/users.json"))
        let users = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["users"] as? [[String: Any]])
        return Set(users.filter { $0["role"] as? String == "end-user" }
            .compactMap { ($0["email"] as? String)?.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty })
    }

    static func allCustomers(origin: String, base: String, key: String) async throws -> [[String: Any]] {
        var out: [[String: Any]] = []
        var page = 1
        while true {
            var req = HTTPClientRequest(url: "\(base)/customers?page=\(page)&pageSize=100")
            req.headers.add(name: "Authorization", value: "Bearer \(key)")
            let res = try await HTTPClient.shared.execute(req, timeout: .seconds(30))
            var body = try await res.body.collect(upTo: 16 << 20)
            let json = try JSONSerialization.jsonObject(with: Data(body.readBytes(length: body.readableBytes) ?? [])) as? [String: Any]
            out += json?["data"] as? [[String: Any]] ?? []
            let more = ((json?["meta"] as? [String: Any])?["pagination"] as? [String: Any])?["hasMore"] as? Bool ?? false
            if !more { return out }
            page += 1
        }
    }

    @Test func migrateAgainstASandboxOnPort0() async throws {
        let dir = try CLIProcess.tempDir()
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("sandbox.sqlite").path, port: 0)
        defer { Task { await server.stop() } }
        let key = server.team.secretKey
        let result = try await CLIProcess.run(
            ["migrate", "Samples/zendesk", "--from", "zendesk", "--api-url", server.baseURL(for: server.team), "--json",
             "--state-dir", dir.appendingPathComponent("state").path],
            env: ["CSTAR_SECRET_KEY": key])
        // Two phone-only users are rejected by design: exit 3 = finished with rejects.
        #expect(result.status == 3, "stderr: \(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let entity = try #require((summary["entities"] as? [[String: Any]])?.first { $0["entity"] as? String == "customers" })

        let customers = try await Self.allCustomers(origin: server.origin, base: server.baseURL(for: server.team), key: key)
        let emails = customers.compactMap { $0["email"] as? String }
        let expected = try Self.expectedEmails()
        #expect(Set(emails) == expected, "every end-user with an email is there")
        #expect(emails.count == Set(emails).count, "each exactly once")
        #expect(entity["created"] as? Int == customers.count, "summary equals what the API holds")
        let read = try #require(entity["read"] as? Int)
        let parts = ["created", "updated", "skipped", "rejected", "failed"].compactMap { entity[$0] as? Int }
        #expect(parts.count == 5 && read == parts.reduce(0, +), "read = created + updated + skipped + rejected + failed")
        #expect(entity["rejected"] as? Int == 2)
        let requests = try #require(summary["requests"] as? Int)
        #expect(requests >= (summary["minimumRequests"] as? Int ?? 0))

        // The key never appears in output or working files.
        #expect(!result.stdout.contains(key) && !result.stderr.contains(key))
        let rejects = try String(contentsOf: dir.appendingPathComponent("state/rejects.ndjson"), encoding: .utf8)
        #expect(!rejects.contains(key))
        let lines = rejects.split(separator: "\n").filter { $0.contains("\"entity\":\"customers\"") }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains("\"field\":\"email\"") && $0.contains("users.json:") })

        // A second run creates nothing new: cStar already has every customer.
        let second = try await CLIProcess.run(
            ["migrate", "Samples/zendesk", "--api-url", server.baseURL(for: server.team), "--json", "--state-dir", dir.appendingPathComponent("state").path],
            env: ["CSTAR_SECRET_KEY": key])
        let s2 = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        let e2 = try #require((s2["entities"] as? [[String: Any]])?.first { $0["entity"] as? String == "customers" })
        #expect(e2["created"] as? Int == 0)
        #expect((e2["skippedBy"] as? [String: Any])?["exists"] as? Int == customers.count)
        #expect(try await Self.allCustomers(origin: server.origin, base: server.baseURL(for: server.team), key: key).count == customers.count)
    }

    @Test func embeddedDefaultKeepsDataInTheStateFolder() async throws {
        let dir = try CLIProcess.tempDir()
        let state = dir.appendingPathComponent("state").path
        let run = try await CLIProcess.run(["migrate", "Samples/zendesk", "--from", "zendesk", "--state-dir", state])
        #expect(run.status == 3, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("Using the embedded cStar sandbox"))
        #expect(run.stdout.contains("customers"))
        #expect(FileManager.default.fileExists(atPath: "\(state)/sandbox.sqlite"))
        let out = dir.appendingPathComponent("customers.json").path
        let export = try await CLIProcess.run(["export", "customers", "--format", "json", "--output", out, "--state-dir", state])
        #expect(export.status == 0, "stderr: \(export.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [[String: Any]])
        #expect(Set(rows.compactMap { $0["email"] as? String }) == (try Self.expectedEmails()))
    }

    @Test func exportCSVReadsBackWithTheSameValues() async throws {
        let dir = try CLIProcess.tempDir()
        let state = dir.appendingPathComponent("state").path
        _ = try await CLIProcess.run(["migrate", "Samples/zendesk", "--state-dir", state])
        let csv = try await CLIProcess.run(["export", "customers", "--format", "csv", "--output", "-", "--state-dir", state])
        #expect(csv.status == 0)
        // Python's csv module is the independent reader.
        let input = csv.stdout
        let data = try await CLIProcess.offPool { () -> Data in
            let py = Process()
            py.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            py.arguments = ["python3", "-c", "import csv,sys,json; print(json.dumps(list(csv.DictReader(sys.stdin))))"]
            let inPipe = Pipe(), outPipe = Pipe()
            py.standardInput = inPipe
            py.standardOutput = outPipe
            try py.run()
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try inPipe.fileHandleForWriting.close()
            let data = outPipe.fileHandleForReading.readDataToEndOfFile()
            py.waitUntilExit()
            return data
        }
        let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: String]])
        #expect(rows.count == 35)
        let maria = try #require(rows.first { $0["email"] == "maria.gonzalez@gmail.com" })
        let tags = try JSONSerialization.jsonObject(with: Data(maria["tags"]!.utf8)) as? [String]
        #expect(tags == ["repeat_customer"])
        #expect(rows.allSatisfy { $0["id"]?.hasPrefix("cus_") == true })
    }

    @Test func usageErrorsExitWith2AndSayWhatToDo() async throws {
        let noDir = try await CLIProcess.run(["migrate", "/nonexistent/export"])
        #expect(noDir.status == 2)
        #expect(noDir.stderr.contains("does not exist"))
        let urlNoKey = try await CLIProcess.run(["migrate", "Samples/zendesk", "--api-url", "https://www.cstar.help"])
        #expect(urlNoKey.status == 2)
        #expect(urlNoKey.stderr.contains("CSTAR_SECRET_KEY"))
        let plainHTTP = try await CLIProcess.run(["migrate", "Samples/zendesk", "--api-url", "http://example.com/api/v1/teams/x"],
                                           env: ["CSTAR_SECRET_KEY": "sk_test_abcdefghijklmnop"])
        #expect(plainHTTP.status == 2)
        #expect(plainHTTP.stderr.contains("loopback"))
        #expect(!plainHTTP.stderr.contains("sk_test_abcdefghijklmnop"))
    }
}
