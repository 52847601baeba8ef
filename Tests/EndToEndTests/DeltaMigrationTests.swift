import CStarSandbox
import Foundation
import Testing

/// `migrate --delta` over a changed copy of an export ends with cStar holding what a clean migration of the changed
/// export holds — field for field, message for message, no duplicate — and a second delta writes nothing.
@Suite("End to end: delta migration", .serialized)
struct DeltaMigrationTests {
    /// What two teams are compared by (ids differ; content must not).
    struct Snapshot: Equatable {
        var customers: [String: String] = [:]            // email → name
        var tickets: [String: [String]] = [:]            // externalId → [title, status, priority, customerName]
        var messages: [String: [String]] = [:]           // externalId → "internal|createdAt|content" in order

        static func read(_ api: SandboxReader) async throws -> Snapshot {
            var s = Snapshot()
            for row in try await api.all("/customers") { s.customers[row["email"] as? String ?? "?"] = row["name"] as? String ?? "" }
            for row in try await api.all("/tickets") {
                let ext = row["externalId"] as? String ?? "?"
                #expect(s.tickets[ext] == nil, "ticket \(ext) exists twice")
                s.tickets[ext] = ["title", "status", "priority", "customerName"].map { row[$0] as? String ?? "-" }
            }
            let page = try await api.post("/export", ["resources": [["type": "tickets", "include": ["messages"]]]])
            let rows = ((page["data"] as? [String: Any])?["resources"] as? [String: Any])?["tickets"] as? [[String: Any]] ?? []
            for row in rows {
                s.messages[row["externalId"] as? String ?? "?"] = (row["messages"] as? [[String: Any]] ?? []).map {
                    "\($0["isInternal"] as? Bool ?? false)|\(($0["createdAt"] as? String ?? "").prefix(19))|\($0["content"] as? String ?? "")"
                }
            }
            return s
        }
    }

    static func writes(_ server: SandboxServer) -> Int {
        var n = 0
        for resource in ["import", "tickets", "customers", "articles", "customer-groups", "categories", "custom-fields", "settings", "tags"] {
            for method in ["POST", "PATCH", "DELETE"] { n += server.api.requests.count(method, resource).applied }
        }
        return n
    }

    /// The changes a team makes in its helpdesk between the first pass and the cut-over.
    static func change(_ dir: URL) throws {
        func load(_ name: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(name))) as! [String: Any]
        }
        func save(_ o: [String: Any], _ name: String) throws {
            try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]).write(to: dir.appendingPathComponent(name))
        }
        var page2 = try load("tickets-2.json")
        var tickets = page2["tickets"] as! [[String: Any]]
        // Status and priority changes, a deleted ticket, three new tickets.
        tickets[0]["status"] = "solved"
        tickets[1]["priority"] = "urgent"
        tickets[2]["status"] = "closed"
        tickets[2]["priority"] = "low"
        let deleted = tickets.removeLast()["id"] as! Int
        for t in 1001...1003 {
            tickets.append(["id": t, "subject": "New ticket \(t)", "status": "open", "priority": "high", "requester_id": 1002,
                            "assignee_id": 1, "tags": ["gen", "new"], "created_at": "2025-03-02T09:00:00Z", "updated_at": "2025-03-02T09:00:00Z"])
        }
        page2["tickets"] = tickets
        try save(page2, "tickets-2.json")
        // New comments on 10% of the old tickets (and the new tickets' own threads); the deleted ticket's go too.
        var file = try load("ticket_comments.json")
        var comments = (file["comments"] as! [[String: Any]]).filter { $0["ticket_id"] as? Int != deleted }
        for t in stride(from: 1, through: 40, by: 10) {
            comments.append(["ticket_id": t, "id": 900_000 + t, "author_id": 1, "body": "Follow-up on \(t) after the first pass", "public": true,
                             "created_at": "2025-03-05T08:00:00Z"])
            comments.append(["ticket_id": t, "id": 910_000 + t, "author_id": 1, "body": "Internal note on \(t)", "public": false,
                             "created_at": "2025-03-05T08:05:00Z"])
        }
        for t in 1001...1003 {
            comments.append(["ticket_id": t, "id": t * 100, "author_id": 1002, "body": "Opening message of \(t)", "public": true,
                             "created_at": "2025-03-02T09:00:00Z"])
        }
        file["comments"] = comments
        try save(file, "ticket_comments.json")
        // An edited customer.
        var users = try load("users.json")
        var rows = users["users"] as! [[String: Any]]
        rows[3]["name"] = "Renamed Customer"
        users["users"] = rows
        try save(users, "users.json")
    }

    /// The reference: the export migrated in one clean run into a new team, as that team then holds it.
    static func cleanMigration(of export: URL, in dir: URL) async throws -> Snapshot {
        let clean = try await SandboxServer.start(dataPath: dir.appendingPathComponent("clean.sqlite").path, port: 0)
        defer { Task { await clean.stop() } }
        let run = try await CLIProcess.run(["migrate", export.path, "--from", "zendesk", "--api-url", clean.baseURL(for: clean.team),
                                            "--state-dir", dir.appendingPathComponent("clean-state").path, "--quiet"],
                                           env: ["CSTAR_SECRET_KEY": clean.team.secretKey])
        #expect(run.status == 0, "\(run.stderr)")
        return try await Snapshot.read(SandboxReader(base: clean.baseURL(for: clean.team), key: clean.team.secretKey))
    }

    /// A generated export (40 tickets, 20 customers, 3 comments each) migrated into a new team: the first pass.
    static func firstPass() async throws -> (dir: URL, export: URL, server: SandboxServer, state: String) {
        let dir = try CLIProcess.tempDir()
        let export = dir.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        try GeneratedExport.write(to: export, tickets: 40, users: 20, orgs: 3, commentsPerTicket: 3)
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("team.sqlite").path, port: 0)
        let state = dir.appendingPathComponent("state").path
        let first = try await CLIProcess.run(["migrate", export.path, "--from", "zendesk", "--api-url", server.baseURL(for: server.team),
                                              "--state-dir", state, "--quiet"], env: ["CSTAR_SECRET_KEY": server.team.secretKey])
        #expect(first.status == 0, "\(first.stderr)")
        return (dir, export, server, state)
    }

    @Test(.timeLimit(.minutes(10)))
    func aDeltaEndsLikeACleanMigrationOfTheChangedExport() async throws {
        let (dir, export, server, state) = try await Self.firstPass()
        defer { Task { await server.stop() } }
        let base = server.baseURL(for: server.team)
        let env = ["CSTAR_SECRET_KEY": server.team.secretKey]

        let changed = dir.appendingPathComponent("changed")
        try FileManager.default.copyItem(at: export, to: changed)
        try Self.change(changed)
        // The plan of the delta tells the same numbers, offline (the same comparison, nothing sent).
        let plan = try await CLIProcess.run(["plan", changed.path, "--from", "zendesk", "--delta", "--state-dir", state, "--json"])
        let planned = (try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])?["entities"] as? [[String: Any]] ?? []
        let plannedTickets = try #require(planned.first { $0["entity"] as? String == "tickets" }, "\(plan.stderr)")
        #expect(plannedTickets["created"] as? Int == 3 && plannedTickets["updated"] as? Int == 7, "\(plannedTickets)")
        #expect((plannedTickets["reconciliation"] as? [String: Any])?["absentFromExport"] as? Int == 1)
        server.api.requests.reset()
        let delta = try await CLIProcess.run(["migrate", changed.path, "--from", "zendesk", "--delta", "--delete-missing", "--api-url", base,
                                              "--state-dir", state, "--json"], env: env)
        #expect(delta.status == 0, "\(delta.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(delta.stdout.utf8)) as? [String: Any] ?? [:]
        let entities = Dictionary((summary["entities"] as? [[String: Any]] ?? []).map { ($0["entity"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let tickets = try #require(entities["tickets"])
        #expect(tickets["created"] as? Int == 3, "three new tickets")
        // Changed: 21, 22, 23 (status, priority); 2 (its requester, user 1003, was renamed: customerName); new comments on
        // 1, 11, 21, 31 (21 also changed): seven tickets updated.
        #expect(tickets["updated"] as? Int == 7, "\(tickets)")
        #expect((tickets["reconciliation"] as? [String: Any])?["deletedAbsent"] as? Int == 1)
        #expect(entities["customers"]?["updated"] as? Int == 1)
        // The fewest writes: 4 ticket PATCHes, 8 appended messages, 1 customer PATCH, 1 import of the new tickets, 1 delete.
        #expect(server.api.requests.count("PATCH", "tickets").applied == 4)
        #expect(server.api.requests.count("POST", "import").applied == 1, "the new tickets, in one import")
        #expect(server.api.requests.count("POST", "tickets").applied == 8, "appended messages")
        #expect(server.api.requests.count("PATCH", "customers").applied == 1)
        #expect(server.api.requests.count("DELETE", "tickets").applied == 1)

        // A clean migration of the changed export into a new team is the reference.
        let got = try await Snapshot.read(SandboxReader(base: base, key: server.team.secretKey))
        let want = try await Self.cleanMigration(of: changed, in: dir)
        #expect(got.tickets.count == 42)
        #expect(got.customers == want.customers)
        #expect(got.tickets == want.tickets)
        for (ext, thread) in want.messages { #expect(got.messages[ext] == thread, "ticket \(ext): every message once, in order") }
        #expect(got.messages.count == want.messages.count)

        // Nothing changed since: a second delta writes nothing.
        server.api.requests.reset()
        let again = try await CLIProcess.run(["migrate", changed.path, "--from", "zendesk", "--delta", "--api-url", base, "--state-dir", state, "--quiet"], env: env)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(Self.writes(server) == 0, "a second delta sends no write")
        // status shows the migration's chain of runs: the first pass, then the two deltas.
        let status = try await CLIProcess.run(["status", "--state-dir", state, "--json"])
        let runs = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]] ?? []
        #expect(runs.map { $0["kind"] as? String ?? "?" } == ["migrate", "delta", "delta"], "\(status.stdout)")
    }

    /// The same delta, killed with SIGKILL at ten random moments against a slow sandbox and resumed, ends with the
    /// team a single uninterrupted delta leaves: nothing lost, no message twice.
    @Test(.timeLimit(.minutes(10)))
    func aDeltaKilledAndResumedEndsIdentical() async throws {
        let dir = try CLIProcess.tempDir()
        let export = dir.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        try GeneratedExport.write(to: export, tickets: 400, users: 60, orgs: 3, commentsPerTicket: 2)
        let changed = dir.appendingPathComponent("changed")
        try FileManager.default.copyItem(at: export, to: changed)
        try Self.change(changed)
        // More changes, so that the delta lasts long enough for the kills to land: a new comment on every ticket.
        var file = try JSONSerialization.jsonObject(with: Data(contentsOf: changed.appendingPathComponent("ticket_comments.json"))) as! [String: Any]
        var comments = file["comments"] as! [[String: Any]]
        for t in 1..<400 {
            comments.append(["ticket_id": t, "id": 800_000 + t, "author_id": 1, "body": "Cut-over note \(t)", "public": true, "created_at": "2025-03-06T08:00:00Z"])
        }
        file["comments"] = comments
        try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys]).write(to: changed.appendingPathComponent("ticket_comments.json"))

        func team(_ name: String, latency: Int) async throws -> (SandboxServer, String) {
            var config = SandboxConfiguration()
            config.secretKeyLimit = 100_000
            config.faults = FaultConfiguration(seed: 5, latencyMs: latency, jitterMs: latency / 2)
            let s = try await SandboxServer.start(dataPath: dir.appendingPathComponent("\(name).sqlite").path, port: 0, configuration: config)
            let state = dir.appendingPathComponent("\(name)-state").path
            let first = try await CLIProcess.run(["migrate", export.path, "--from", "zendesk", "--api-url", s.baseURL(for: s.team), "--state-dir", state, "--quiet"],
                                                 env: ["CSTAR_SECRET_KEY": s.team.secretKey])
            #expect(first.status == 0, "\(first.stderr)")
            return (s, state)
        }
        let (reference, referenceState) = try await team("reference", latency: 0)
        defer { Task { await reference.stop() } }
        let once = try await CLIProcess.run(["migrate", changed.path, "--from", "zendesk", "--delta", "--api-url", reference.baseURL(for: reference.team),
                                             "--state-dir", referenceState, "--quiet"], env: ["CSTAR_SECRET_KEY": reference.team.secretKey])
        #expect(once.status == 0, "\(once.stderr)")

        let (killed, killedState) = try await team("killed", latency: 20)
        defer { Task { await killed.stop() } }
        let (landed, final) = try await KillAndResumeTests.migrateWithKills(export: changed, state: URL(fileURLWithPath: killedState),
                                                                           base: killed.baseURL(for: killed.team), key: killed.team.secretKey,
                                                                           kills: 10, seed: 7, extra: ["--from", "zendesk", "--delta"])
        #expect(landed >= 6, "most kills landed mid-run (\(landed))")
        #expect(final.status == 0, "\(final.stderr)")
        let want = try await Snapshot.read(SandboxReader(base: reference.baseURL(for: reference.team), key: reference.team.secretKey))
        let got = try await Snapshot.read(SandboxReader(base: killed.baseURL(for: killed.team), key: killed.team.secretKey))
        #expect(got.customers == want.customers)
        #expect(got.tickets == want.tickets)
        #expect(got.messages == want.messages, "every message once, in order")
    }

    /// `--delta --since`: only the records updated since then are compared; the rest are skipped unread (and what the
    /// export lacks is not taken as deleted). The changed records end as a clean migration of the changed export has them.
    @Test(.timeLimit(.minutes(6)))
    func aDeltaSinceComparesOnlyWhatWasUpdated() async throws {
        let (dir, export, server, state) = try await Self.firstPass()
        defer { Task { await server.stop() } }
        let base = server.baseURL(for: server.team)
        let env = ["CSTAR_SECRET_KEY": server.team.secretKey]
        let changed = dir.appendingPathComponent("changed")
        try FileManager.default.copyItem(at: export, to: changed)
        try Self.change(changed)
        // The helpdesk stamps what changed: the edited tickets, those with new comments, and the new ones.
        let touched: Set<Int> = [21, 22, 23, 1, 11, 31, 1001, 1002, 1003]
        for page in ["tickets-1.json", "tickets-2.json"] {
            let url = changed.appendingPathComponent(page)
            var o = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            o["tickets"] = (o["tickets"] as! [[String: Any]]).map { t in
                var t = t
                if touched.contains(t["id"] as! Int) { t["updated_at"] = "2025-03-10T00:00:00Z" }
                return t
            }
            try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]).write(to: url)
        }
        let run = try await CLIProcess.run(["migrate", changed.path, "--from", "zendesk", "--delta", "--since", "2025-03-05T00:00:00Z",
                                            "--api-url", base, "--state-dir", state, "--json"], env: env)
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
        let tickets = try #require((summary["entities"] as? [[String: Any]])?.first { $0["entity"] as? String == "tickets" })
        #expect(tickets["created"] as? Int == 3)
        #expect(tickets["updated"] as? Int == 6, "21, 22, 23 changed; 1, 11, 31 got comments (\(tickets))")
        #expect((tickets["skippedBy"] as? [String: Any])?["not updated since 2025-03-05T00:00:00Z"] as? Int == 42 - 9, "\(tickets)")
        #expect((tickets["reconciliation"] as? [String: Any])?["absentFromExport"] as? Int == 0, "an incremental read reports no deletion")

        let got = try await Snapshot.read(SandboxReader(base: base, key: server.team.secretKey))
        let want = try await Self.cleanMigration(of: changed, in: dir)
        for id in touched.map(String.init) {
            #expect(got.tickets[id] == want.tickets[id], "ticket \(id)")
            #expect(got.messages[id] == want.messages[id], "ticket \(id): its thread, once, in order")
        }
        #expect(got.tickets["40"] != nil, "the ticket missing from the export is kept (not deleted, not reported)")
    }
}
