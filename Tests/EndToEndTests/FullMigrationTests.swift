import AsyncHTTPClient
import CStarSandbox
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Raw reads from a sandbox over HTTP (Foundation JSON: independent of the tool).
struct SandboxReader {
    let base: String
    let key: String

    func get(_ path: String) async throws -> [String: Any] {
        var req = HTTPClientRequest(url: base + path)
        req.headers.add(name: "Authorization", value: "Bearer \(key)")
        let res = try await HTTPClient.shared.execute(req, timeout: .seconds(30))
        var body = try await res.body.collect(upTo: 64 << 20)
        return try JSONSerialization.jsonObject(with: Data(body.readBytes(length: body.readableBytes) ?? [])) as? [String: Any] ?? [:]
    }

    func all(_ path: String) async throws -> [[String: Any]] {
        var out: [[String: Any]] = []
        var page = 1
        while true {
            let sep = path.contains("?") ? "&" : "?"
            let json = try await get("\(path)\(sep)page=\(page)&pageSize=100")
            out += json["data"] as? [[String: Any]] ?? []
            let more = ((json["meta"] as? [String: Any])?["pagination"] as? [String: Any])?["hasMore"] as? Bool ?? false
            if !more { return out }
            page += 1
        }
    }

    func list(_ path: String) async throws -> [[String: Any]] { try await get(path)["data"] as? [[String: Any]] ?? [] }
}

@Suite("End to end: the whole Zendesk sample")
struct FullMigrationTests {
    @Test func everyEntityArrivesLinked() async throws {
        let dir = try CLIProcess.tempDir()
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("sandbox.sqlite").path, port: 0)
        defer { Task { await server.stop() } }
        let base = server.baseURL(for: server.team)
        let run = try await CLIProcess.run(["migrate", "Samples/zendesk", "--api-url", base, "--json", "--state-dir", dir.appendingPathComponent("state").path],
                                     env: ["CSTAR_SECRET_KEY": server.team.secretKey])
        #expect(run.status == 3, "\(run.stderr)")
        // Counts reconcile per entity and per child (messages).
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for e in summary["entities"] as? [[String: Any]] ?? [] {
            let n = { (k: String) in e[k] as? Int ?? -1 }
            #expect(n("read") == n("created") + n("updated") + n("skipped") + n("rejected") + n("failed"), "\(e["entity"]!)")
            let c = e["children"] as? [String: Int] ?? [:]
            #expect(c["read"] == (c["delivered"] ?? 0) + (c["rejected"] ?? 0) + (c["skipped"] ?? 0), "children of \(e["entity"]!)")
            if e["entity"] as? String == "tickets" { #expect(c["read"] == 100 && c["delivered"] == 100) }
        }
        let api = SandboxReader(base: base, key: server.team.secretKey)
        let customers = try await api.all("/customers")
        let tickets = try await api.all("/tickets")
        #expect(customers.count == 35)
        #expect(tickets.count == 30)
        #expect(try await api.all("/customer-groups").count == 5)
        #expect(try await api.all("/categories").count == 9)
        #expect(try await api.all("/articles").count == 12)
        #expect(try await api.list("/custom-fields").count == 6)
        // Tickets point at the right customers, by the requester's email.
        let byId = Dictionary(uniqueKeysWithValues: customers.map { ($0["id"] as! String, $0["email"] as! String) })
        let t1 = try #require(tickets.first { $0["externalId"] as? String == "1" })
        #expect(byId[t1["customerId"] as? String ?? ""] == "hannah.kim@summittrailguides.com")
        let t11 = try #require(tickets.first { $0["externalId"] as? String == "11" })
        #expect(byId[t11["customerId"] as? String ?? ""] == "maria.gonzalez@gmail.com", "the duplicate account's ticket")
        // Assigned to the seeded member with the agent's email.
        let members = try await api.all("/members")
        let alex = try #require(members.first { $0["email"] as? String == "alex.agent@sandbox.cstar.test" })
        #expect(t1["assignedTo"] as? String == alex["id"] as? String)
        // Every comment arrived once, with original timestamps.
        var messages = 0
        for t in tickets { messages += t["messageCount"] as? Int ?? 0 }
        #expect(messages == 100)
        let thread = try await api.list("/tickets/\(t1["id"] as! String)/messages")
        #expect(thread.first?["createdAt"] as? String == "2025-02-03T15:12:17.000Z")
        // Memberships and settings.
        let groups = try await api.all("/customer-groups")
        #expect(groups.reduce(0) { $0 + ($1["customerCount"] as? Int ?? 0) } == 19, "18 customers, one of them in two organizations")
        let hours = try await api.get("/settings/business-hours")["data"] as? [String: Any]
        #expect(hours?["timezone"] as? String == "America/New_York")
        let statuses = try await api.list("/settings/statuses")
        #expect(statuses.contains { $0["key"] as? String == "awaiting_supplier" })
        let articles = try await api.all("/articles")
        #expect(articles.allSatisfy { ($0["categoryId"] as? String) != nil })
        // A second run finds every ticket in cStar: their messages are skipped with them, not counted as delivered.
        let again = try await CLIProcess.run(["migrate", "Samples/zendesk", "--api-url", base, "--json", "--state-dir", dir.appendingPathComponent("state").path],
                                             env: ["CSTAR_SECRET_KEY": server.team.secretKey])
        let second = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        let ticketsAgain = try #require((second["entities"] as? [[String: Any]])?.first { $0["entity"] as? String == "tickets" })
        #expect(ticketsAgain["skipped"] as? Int == 30)
        #expect((ticketsAgain["children"] as? [String: Int]) == ["read": 100, "delivered": 0, "rejected": 0, "skipped": 100])
    }
}
