import CStarSandbox
import Foundation
import TestSupport
import Testing

/// A generated Zendesk-style export: organizations, end-users, tickets (API pages) and comments in their own file.
enum GeneratedExport {
    static func write(to dir: URL, tickets: Int, users: Int, orgs: Int, commentsPerTicket: Int) throws {
        func json(_ o: Any) throws -> Data { try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) }
        let organizations = (1...orgs).map { i -> [String: Any] in
            ["id": 5000 + i, "name": "Org \(i)", "details": "Generated organization \(i)", "organization_fields": ["tier": i % 2 == 0 ? "gold" : "silver"]]
        }
        try json(["organizations": organizations, "next_page": NSNull(), "count": orgs]).write(to: dir.appendingPathComponent("organizations.json"))
        var userRows: [[String: Any]] = [["id": 1, "name": "Agent One", "email": "alex.agent@sandbox.cstar.test", "role": "agent"]]
        for i in 1...users {
            userRows.append(["id": 1000 + i, "name": "User \(i)", "email": "user\(i)@example.com", "role": "end-user",
                             "organization_id": i % 3 == 0 ? NSNull() : 5000 + (i % orgs) + 1, "created_at": "2025-01-01T00:00:00Z"])
        }
        try json(["users": userRows, "next_page": NSNull(), "count": userRows.count]).write(to: dir.appendingPathComponent("users.json"))
        // Tickets in two API pages, comments in one file.
        let statuses = ["new", "open", "pending", "hold", "solved", "closed"]
        var pages: [[[String: Any]]] = [[], []]
        var comments: [[String: Any]] = []
        for t in 1...tickets {
            pages[t <= tickets / 2 ? 0 : 1].append([
                "id": t, "subject": "Generated ticket \(t)", "status": statuses[t % statuses.count], "priority": "normal",
                "requester_id": 1000 + (t % users) + 1, "assignee_id": 1, "tags": ["gen"],
                "created_at": String(format: "2025-02-%02dT10:%02d:%02dZ", 1 + t % 27, t % 60, (t / 60) % 60),
                "updated_at": "2025-03-01T00:00:00Z",
            ])
            for c in 0..<commentsPerTicket {
                comments.append(["ticket_id": t, "id": t * 100 + c, "author_id": c % 2 == 0 ? 1000 + (t % users) + 1 : 1,
                                 "body": "Comment \(c) on ticket \(t)", "public": c != 3,
                                 "created_at": String(format: "2025-02-%02dT11:%02d:00Z", 1 + t % 27, c)])
            }
        }
        try json(["tickets": pages[0], "next_page": "page2", "count": tickets]).write(to: dir.appendingPathComponent("tickets-1.json"))
        try json(["tickets": pages[1], "next_page": NSNull(), "count": tickets]).write(to: dir.appendingPathComponent("tickets-2.json"))
        try json(["comments": comments]).write(to: dir.appendingPathComponent("ticket_comments.json"))
    }
}

/// What a team holds, in a form two sandboxes can be compared by (ids differ; content must not).
struct TeamContents: Equatable {
    var customers: [String: Int]          // email → count
    var groups: [String: Int]             // name → member count
    var tickets: [String: Int]            // externalId → count
    var messages: [String: [String]]      // ticket externalId → message contents in order

    static func read(_ api: SandboxReader) async throws -> TeamContents {
        var c = TeamContents(customers: [:], groups: [:], tickets: [:], messages: [:])
        for row in try await api.all("/customers") { c.customers[row["email"] as? String ?? "?", default: 0] += 1 }
        for row in try await api.all("/customer-groups") { c.groups[row["name"] as? String ?? "?"] = row["customerCount"] as? Int ?? -1 }
        for row in try await api.all("/tickets") {
            let ext = row["externalId"] as? String ?? "?"
            c.tickets[ext, default: 0] += 1
            if c.messages[ext] != nil { c.messages[ext]! += ["DUPLICATE TICKET"] }
            c.messages[ext] = c.messages[ext] ?? []
        }
        // Every thread through the export endpoint (one request per 10,000 tickets) rather than a request per ticket.
        var after: String?
        while true {
            var filters: [String: Any] = [:]
            if let a = after { filters["createdAfter"] = a }
            let body: [String: Any] = ["resources": [["type": "tickets", "filters": filters, "include": ["messages"]]]]
            let page = try await api.post("/export", body)
            let rows = ((page["data"] as? [String: Any])?["resources"] as? [String: Any])?["tickets"] as? [[String: Any]] ?? []
            for row in rows {
                let ext = row["externalId"] as? String ?? "?"
                c.messages[ext] = (row["messages"] as? [[String: Any]] ?? []).map { $0["content"] as? String ?? "" }
            }
            let truncated = (((page["data"] as? [String: Any])?["truncated"] as? [String: Any])?["tickets"] as? Bool) ?? false
            guard truncated, let last = rows.last?["createdAt"] as? String, last != after else { break }
            after = last
        }
        return c
    }
}

extension SandboxReader {
    func post(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        try await HTTPClientRequestBuilder.send(base + path, key: key, body: try JSONSerialization.data(withJSONObject: body))
    }
}

@Suite("End to end: killed at random, resumed, nothing lost or duplicated")
struct KillAndResumeTests {
    static let tickets = 5_000

    /// Runs `migrate` against the sandbox, killing it with SIGKILL after a random delay `kills` times, then
    /// lets the last run finish. Returns the number of kills that landed while the process was running.
    static func migrateWithKills(export: URL, state: URL, base: String, key: String, kills: Int, seed: UInt64,
                                 extra: [String] = []) async throws -> (landed: Int, final: CLIProcess.Result) {
        var rng = SeededRandom(state: seed)
        var landed = 0
        for _ in 0..<kills {
            let p = Process()
            p.executableURL = CLIProcess.binary
            p.arguments = ["migrate", export.path, "--api-url", base, "--state-dir", state.path, "--quiet"] + extra
            var env = ProcessInfo.processInfo.environment
            env["CSTAR_SECRET_KEY"] = key
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let delay = Double.random(in: 0.25...1.6, using: &rng)
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                landed += 1
            }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async { p.waitUntilExit(); c.resume() }
            }
        }
        let final = try await CLIProcess.run(["migrate", export.path, "--api-url", base, "--state-dir", state.path, "--json"] + extra, env: ["CSTAR_SECRET_KEY": key])
        return (landed, final)
    }

    /// The generated export and what a clean, uninterrupted migration of it leaves in a sandbox: made once, for
    /// both variants (which run side by side).
    actor CleanReference {
        static let shared = CleanReference()
        private var made: Task<(export: URL, expected: TeamContents), any Error>?

        func get() async throws -> (export: URL, expected: TeamContents) {
            if made == nil { made = Task { try await Self.make() } }
            return try await made!.value
        }

        static func make() async throws -> (export: URL, expected: TeamContents) {
            let dir = try CLIProcess.tempDir()
            let export = dir.appendingPathComponent("export")
            try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
            try GeneratedExport.write(to: export, tickets: KillAndResumeTests.tickets, users: 800, orgs: 12, commentsPerTicket: 5)
            let cleanServer = try await SandboxServer.start(dataPath: dir.appendingPathComponent("clean.sqlite").path, port: 0)
            let clean = try await CLIProcess.run(["migrate", export.path, "--api-url", cleanServer.baseURL(for: cleanServer.team), "--quiet",
                                                  "--state-dir", dir.appendingPathComponent("clean-state").path],
                                                 env: ["CSTAR_SECRET_KEY": cleanServer.team.secretKey])
            #expect(clean.status == 0, "\(clean.stderr)")
            let expected = try await TeamContents.read(SandboxReader(base: cleanServer.baseURL(for: cleanServer.team), key: cleanServer.team.secretKey))
            await cleanServer.stop()
            return (export, expected)
        }
    }

    @Test(.timeLimit(.minutes(10)), arguments: [false, true])
    func killedRunsEndLikeACleanRun(withFaults: Bool) async throws {
        let dir = try CLIProcess.tempDir()
        // The clean, uninterrupted reference run.
        let (export, expected) = try await CleanReference.shared.get()
        #expect(expected.tickets.count == Self.tickets)
        #expect(expected.messages.values.reduce(0) { $0 + $1.count } == Self.tickets * 5)

        // The same migration, killed at random moments, against a slow (and optionally faulty) sandbox.
        var config = SandboxConfiguration()
        config.secretKeyLimit = 100_000
        config.faults = withFaults
            ? FaultConfiguration(seed: 11, serverErrorRate: 0.10, rateLimitRate: 0.05, dropRate: 0.05, latencyMs: 60, jitterMs: 40)
            : FaultConfiguration(seed: 11, latencyMs: 60, jitterMs: 40)
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("killed.sqlite").path, port: 0, configuration: config)
        defer { Task { await server.stop() } }
        let base = server.baseURL(for: server.team)
        let (landed, final) = try await Self.migrateWithKills(export: export, state: dir.appendingPathComponent("state"), base: base,
                                                              key: server.team.secretKey, kills: 12, seed: withFaults ? 2 : 1)
        #expect(landed >= 10, "at least ten kills landed mid-run")
        #expect(final.status == 0, "\(final.stderr)")
        // Read back without injected faults getting in the way of the comparison: same file, a quiet server.
        await server.stop()
        let reader = try await SandboxServer.start(dataPath: dir.appendingPathComponent("killed.sqlite").path, port: 0)
        defer { Task { await reader.stop() } }
        let got = try await TeamContents.read(SandboxReader(base: reader.baseURL(for: reader.team), key: reader.team.secretKey))
        #expect(got.customers == expected.customers, "customers: none lost, none duplicated")
        #expect(got.groups == expected.groups, "groups and their memberships")
        #expect(got.tickets == expected.tickets, "tickets: each once")
        #expect(got.messages == expected.messages, "every message present once, in order")
    }
}
