import AsyncHTTPClient
import CStarSandbox
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Reading, normalising and comparing backup folders (Foundation JSON: independent of the tool's own code).
enum BackupFolder {
    static func rows(_ dir: String, _ resource: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: "\(dir)/\(resource).ndjson", encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    static func canonical(_ v: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    /// What must differ between a backup and the backup of its restore, and how each is compared instead.
    /// docs/export-format.md ("Round trip") lists the same set.
    /// - every `id` (the new team mints new ones); references by id are compared through natural keys:
    ///   customers by email, members by email, groups by name, categories by name, tickets by externalId;
    /// - `createdAt`/`updatedAt` of custom fields, customer groups and categories (cStar sets them on creation;
    ///   they cannot be imported), members' `joinedAt`; message ids and ticketIds;
    /// - the team's own name and slug (settings row "general").
    /// Everything else, original timestamps of customers, tickets, messages and articles included, must be equal.
    static let differingTimestamps: [String: [String]] = ["custom-fields": ["createdAt", "updatedAt"], "customer-groups": ["createdAt", "updatedAt"],
                                                          "categories": ["createdAt", "updatedAt"], "members": ["joinedAt"]]

    /// Normalised rows of every backup file, each resource's rows sorted, references as natural keys.
    static func normalised(_ dir: String) throws -> [String: [String]] {
        func index(_ resource: String, _ key: String) throws -> [String: String] {
            var out: [String: String] = [:]
            for r in try rows(dir, resource) { if let id = r["id"] as? String { out[id] = r[key] as? String ?? "?" } }
            return out
        }
        let customers = try index("customers", "email"), members = try index("members", "email")
        let groups = try index("customer-groups", "name"), categories = try index("categories", "name")
        var out: [String: [String]] = [:]
        for resource in ["custom-fields", "customer-groups", "customers", "customer-group-members", "categories", "articles", "tickets", "tags", "settings", "members"] {
            var list: [String] = []
            for var r in try rows(dir, resource) {
                if resource != "settings" { r["id"] = nil }
                for f in differingTimestamps[resource] ?? [] { r[f] = nil }
                switch resource {
                case "tickets":
                    r["customerId"] = (r["customerId"] as? String).map { customers[$0] ?? "unknown customer" }
                    r["assignedTo"] = (r["assignedTo"] as? String).map { members[$0] ?? "unknown member" }
                    let msgs = (r["messages"] as? [[String: Any]] ?? []).map { m -> String in
                        var m = m
                        m["id"] = nil
                        m["ticketId"] = nil
                        return canonical(m)
                    }
                    r["messages"] = msgs.sorted()
                case "articles":
                    r["categoryId"] = (r["categoryId"] as? String).map { categories[$0] ?? "unknown category" }
                case "customer-groups":
                    r["memberIds"] = ((r["memberIds"] as? [String]) ?? []).map { customers[$0] ?? "unknown customer" }.sorted()
                case "customer-group-members":
                    r["groupId"] = groups[r["groupId"] as? String ?? ""] ?? "unknown group"
                    r["customerId"] = customers[r["customerId"] as? String ?? ""] ?? "unknown customer"
                case "settings" where r["section"] as? String == "general":
                    r["teamName"] = nil
                    r["teamSlug"] = nil
                default: break
                }
                list.append(canonical(r))
            }
            out[resource] = list.sorted()
        }
        return out
    }

    static func ids(_ dir: String, _ resource: String) throws -> Set<String> { Set(try rows(dir, resource).compactMap { $0["id"] as? String }) }
}

/// Raw JSON requests to a sandbox team.
struct TeamAPI {
    let base: String
    let key: String

    @discardableResult
    func post(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        try await HTTPClientRequestBuilder.send(base + path, key: key, body: try JSONSerialization.data(withJSONObject: body))
    }

    @discardableResult
    func patch(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        try await HTTPClientRequestBuilder.send(base + path, key: key, body: try JSONSerialization.data(withJSONObject: body), method: .PATCH)
    }

    func rawGet(_ path: String) async throws -> Data {
        var req = HTTPClientRequest(url: base + path)
        req.headers.add(name: "Authorization", value: "Bearer \(key)")
        let res = try await HTTPClient.shared.execute(req, timeout: .seconds(60))
        var body = try await res.body.collect(upTo: 64 << 20)
        return Data(body.readBytes(length: body.readableBytes) ?? [])
    }

    var reader: SandboxReader { SandboxReader(base: base, key: key) }
}

@Suite("End to end: export, backup and restore")
struct ExportBackupRestoreTests {
    static func sandbox(teams: Int, in dir: URL) async throws -> SandboxServer {
        var config = SandboxConfiguration()
        config.teams = teams
        return try await SandboxServer.start(dataPath: dir.appendingPathComponent("sandbox.sqlite").path, port: 0, configuration: config)
    }

    static func backup(_ server: SandboxServer, team: SandboxTeam, into dir: URL, state: URL) async throws -> String {
        let run = try await CLIProcess.run(["backup", "--output", dir.path, "--api-url", server.baseURL(for: team), "--json", "--state-dir", state.path],
                                           env: ["CSTAR_SECRET_KEY": team.secretKey])
        #expect(run.status == 0, "backup: \(run.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout) \(run.stderr)")
        #expect(!run.stdout.contains(team.secretKey) && !run.stderr.contains(team.secretKey))
        return try #require(summary["path"] as? String)
    }

    // MARK: 1. Round trip

    @Test func migrateBackupRestoreBackupHoldsTheSameData() async throws {
        let dir = try CLIProcess.tempDir()
        let server = try await Self.sandbox(teams: 2, in: dir)
        defer { Task { await server.stop() } }
        let (a, b) = (server.teams[0], server.teams[1])
        let migrate = try await CLIProcess.run(["migrate", "Samples/zendesk", "--api-url", server.baseURL(for: a), "--json", "--state-dir", dir.appendingPathComponent("state-a").path],
                                               env: ["CSTAR_SECRET_KEY": a.secretKey])
        #expect(migrate.status == 3, "the sample has two rejected phone-only users: \(migrate.stderr)")
        // A tag no ticket uses lives only in the tag list.
        let apiA = TeamAPI(base: server.baseURL(for: a), key: a.secretKey)
        try await apiA.post("/tags", ["name": "unused-tag"])
        // A custom status with its own colour keeps it (the settings rows compare colours below).
        var statuses = try await apiA.reader.all("/settings/statuses")
        let custom = try #require(statuses.firstIndex { $0["key"] as? String == "awaiting_supplier" })
        statuses[custom]["color"] = "#10B981"
        let patched = try await apiA.patch("/settings/statuses", ["statuses": statuses.map { s in s.filter { $0.key != "isProtected" } }])
        #expect(patched["success"] as? Bool == true, "\(patched)")

        let backupA = try await Self.backup(server, team: a, into: dir.appendingPathComponent("backups-a"), state: dir.appendingPathComponent("state-a"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(backupA)/manifest.json"))) as? [String: Any])
        #expect(manifest["apiBaseURL"] as? String == server.baseURL(for: a))
        #expect(!(String(data: try Data(contentsOf: URL(fileURLWithPath: "\(backupA)/manifest.json")), encoding: .utf8)!.contains(a.secretKey)))
        let files = try #require(manifest["files"] as? [[String: Any]])
        #expect(files.first { $0["resource"] as? String == "tickets" }?["rows"] as? Int == 30)
        #expect(files.first { $0["resource"] as? String == "customers" }?["rows"] as? Int == 35)

        let restore = try await CLIProcess.run(["restore", backupA, "--api-url", server.baseURL(for: b), "--json", "--state-dir", dir.appendingPathComponent("state-b").path],
                                               env: ["CSTAR_SECRET_KEY": b.secretKey])
        #expect(restore.status == 0, "restore: \(restore.stderr)\n\(restore.stdout)")
        let backupB = try await Self.backup(server, team: b, into: dir.appendingPathComponent("backups-b"), state: dir.appendingPathComponent("state-b"))

        let (na, nb) = (try BackupFolder.normalised(backupA), try BackupFolder.normalised(backupB))
        for resource in na.keys.sorted() {
            #expect(na[resource]!.count > 0 || resource == "customer-group-members", "\(resource) is not empty in the sample")
            let onlyA = Set(na[resource]!).subtracting(nb[resource]!), onlyB = Set(nb[resource]!).subtracting(na[resource]!)
            #expect(na[resource]! == nb[resource]!, "\(resource) differs:\nonly in A: \(onlyA.sorted().prefix(3))\nonly in B: \(onlyB.sorted().prefix(3))")
        }
        #expect(na["customer-group-members"]?.count == 19, "18 customers, one of them in two organizations")
        #expect(na["tags"]?.contains { $0.contains("unused-tag") } == true)
        #expect(na["settings"]?.contains { $0.contains("awaiting_supplier") && $0.contains("#10B981") } == true)

        // What must differ does: every id, the creation times of what cannot be imported, the team's name.
        for resource in ["customers", "tickets", "articles", "customer-groups", "categories", "custom-fields", "members"] {
            let (ia, ib) = (try BackupFolder.ids(backupA, resource), try BackupFolder.ids(backupB, resource))
            #expect(!ia.isEmpty && ia.isDisjoint(with: ib), "\(resource) ids are new in team B")
        }
        for resource in ["custom-fields", "customer-groups", "categories"] {
            let ta = Set(try BackupFolder.rows(backupA, resource).compactMap { $0["createdAt"] as? String })
            let tb = Set(try BackupFolder.rows(backupB, resource).compactMap { $0["createdAt"] as? String })
            #expect(ta.isDisjoint(with: tb), "\(resource) are created anew, so their createdAt differs")
        }
        let generalA = try BackupFolder.rows(backupA, "settings").first { $0["section"] as? String == "general" }
        let generalB = try BackupFolder.rows(backupB, "settings").first { $0["section"] as? String == "general" }
        #expect(generalA?["teamName"] as? String != generalB?["teamName"] as? String)

        // Team B now holds data: without a terminal, restoring into it again needs --yes (and writes nothing without).
        let unconfirmed = try await CLIProcess.run(["restore", backupA, "--api-url", server.baseURL(for: b), "--state-dir", dir.appendingPathComponent("state-b").path],
                                                   env: ["CSTAR_SECRET_KEY": b.secretKey])
        #expect(unconfirmed.status == 2 && unconfirmed.stderr.contains("--yes"), "\(unconfirmed.stderr)")
        // Restoring again creates nothing: exactly once.
        let again = try await CLIProcess.run(["restore", backupA, "--yes", "--api-url", server.baseURL(for: b), "--json", "--state-dir", dir.appendingPathComponent("state-b").path],
                                             env: ["CSTAR_SECRET_KEY": b.secretKey])
        #expect(again.status == 0, "\(again.stderr)")
        let s2 = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        let created = (s2["entities"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["created"] as? Int ?? 0) }
        #expect(created == 0)
        #expect(try await TeamAPI(base: server.baseURL(for: b), key: b.secretKey).reader.all("/tickets").count == 30)
    }

    // MARK: 2. Past 10,000 rows

    @Test func exportOfMoreThan10000TicketsHasEachExactlyOnce() async throws {
        let dir = try CLIProcess.tempDir()
        let server = try await Self.sandbox(teams: 1, in: dir)
        defer { Task { await server.stop() } }
        let team = server.team
        let api = TeamAPI(base: server.baseURL(for: team), key: team.secretKey)
        let total = 10_500
        let base = Date(timeIntervalSince1970: 1_735_689_600)  // 2025-01-01
        let iso = ISO8601DateFormatter()
        // Tickets 9,900–10,199 share one createdAt: the 10,000-row cut falls inside that run.
        func createdAt(_ i: Int) -> String { iso.string(from: base.addingTimeInterval(Double((9_900...10_199).contains(i) ? 9_900 : i))) }
        for chunk in stride(from: 0, to: total, by: 500) {
            let records: [[String: Any]] = (chunk..<min(chunk + 500, total)).map { i in
                ["title": "Load \(i)", "customerName": "Load Tester", "externalId": "load-\(i)", "status": i % 2 == 0 ? "closed" : "open",
                 "createdAt": createdAt(i)]
            }
            let answer = try await api.post("/import", ["resource": "tickets", "records": records])
            #expect((answer["data"] as? [String: Any])?["created"] as? Int == records.count)
        }
        // The sandbox really caps: one export answer is cut at 10,000 rows.
        let capped = try await api.post("/export", ["resources": [["type": "tickets"]], "format": "json"])
        #expect(((capped["data"] as? [String: Any])?["truncated"] as? [String: Any])?["tickets"] as? Bool == true)
        // …and the cut falls inside the run of identical timestamps (100 of its 300 rows in the first window).
        let firstWindow = ((capped["data"] as? [String: Any])?["resources"] as? [String: Any])?["tickets"] as? [[String: Any]] ?? []
        #expect(firstWindow.count == 10_000)
        let tied = firstWindow.filter { ($0["createdAt"] as? String)?.hasPrefix(String(createdAt(9_900).prefix(19))) == true }
        #expect(tied.count == 100 && firstWindow.last?["externalId"] as? String == "load-9999")

        let out = dir.appendingPathComponent("tickets.ndjson")
        let run = try await CLIProcess.run(["export", "tickets", "--format", "ndjson", "--output", out.path, "--api-url", api.base, "--json"],
                                           env: ["CSTAR_SECRET_KEY": team.secretKey])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try BackupFolder.rows(dir.path, "tickets")
        let ids = rows.compactMap { $0["id"] as? String }
        #expect(ids.count == total, "every ticket once: got \(ids.count) rows")
        #expect(Set(ids).count == ids.count, "no ticket twice")
        let listed = Set(try await api.reader.all("/tickets").compactMap { $0["id"] as? String })
        #expect(Set(ids) == listed, "the same tickets the API lists")
        #expect(Set(rows.compactMap { $0["externalId"] as? String }) == Set((0..<total).map { "load-\($0)" }))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((summary["files"] as? [[String: Any]])?.first?["rows"] as? Int == total)

        // Filters go to the API and still cross the cap; --since narrows the createdAt range.
        let closedOut = dir.appendingPathComponent("closed.csv")
        let closed = try await CLIProcess.run(["export", "tickets", "--filter", "status=closed", "--since", "2025-01-01T00:10:00Z", "--format", "csv",
                                               "--output", closedOut.path, "--api-url", api.base, "--json"], env: ["CSTAR_SECRET_KEY": team.secretKey])
        #expect(closed.status == 0, "\(closed.stderr)")
        let expectedClosed = (0..<total).filter { $0 % 2 == 0 && createdAt($0) >= "2025-01-01T00:10:00Z" }.count
        let closedSummary = try #require(try JSONSerialization.jsonObject(with: Data(closed.stdout.utf8)) as? [String: Any])
        #expect((closedSummary["files"] as? [[String: Any]])?.first?["rows"] as? Int == expectedClosed)
    }

    // MARK: 3. CSV read back by Python

    static let pythonCheck = #"""
    import csv, json, sys
    csv_path, api_path, defs_path, guarded = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
    api = {r["id"]: r for r in json.load(open(api_path))["data"]}
    types = {d["key"]: d["type"] for d in json.load(open(defs_path))["data"] if d["entityType"] == "customers"}
    # docs/export-format.md: how each customers column reads back.
    kinds = {"id": "text", "name": "text", "email": "text", "status": "text", "sentiment": "text?", "tags": "json", "notes": "text?",
             "customFields": "json", "metadata": "json", "ticketCount": "json", "createdAt": "text", "updatedAt": "text"}
    def decode(kind, cell):
        if kind == "text": return cell
        if kind == "text?": return None if cell == "" else cell
        return None if cell == "" else json.loads(cell)
    problems, n, raw_cells = [], 0, []
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        expected_header = list(kinds) + ["customFields." + k for k in sorted(types)]
        if reader.fieldnames != expected_header: problems.append(["header", reader.fieldnames, expected_header])
        for row in reader:
            n += 1
            raw_cells += list(row.values())
            if guarded: row = {k: (v[1:] if v.startswith("'") else v) for k, v in row.items()}
            got = {k: decode(kinds[k], row[k]) for k in kinds}
            cf = dict(got["customFields"] or {})
            for k, t in types.items():
                cell = row["customFields." + k]
                if cell != "": cf[k] = cell if t in ("text", "select", "date") else json.loads(cell)
            got["customFields"] = cf
            want = {k: v for k, v in api[got["id"]].items() if k != "object"}
            for k in set(want) | set(got):
                if want.get(k, "<absent>") != got.get(k, "<absent>"): problems.append([got["id"], k, want.get(k), got.get(k)])
    if guarded:
        danger = [c for c in raw_cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        if danger: problems.append(["unguarded cells", danger])
        if not any(c.startswith("'=SUM") for c in raw_cells): problems.append(["formula not guarded"])
    print(json.dumps({"rows": n, "apiRows": len(api), "problems": problems}))
    sys.exit(1 if problems or n != len(api) else 0)
    """#

    @Test func csvReadBackByPythonGivesTheAPIValues() async throws {
        let dir = try CLIProcess.tempDir()
        let server = try await Self.sandbox(teams: 1, in: dir)
        defer { Task { await server.stop() } }
        let team = server.team
        let api = TeamAPI(base: server.baseURL(for: team), key: team.secretKey)
        for (key, type) in [("tier", "text"), ("points", "number"), ("vip", "boolean"), ("colours", "multiselect")] {
            try await api.post("/custom-fields", ["name": key.capitalized, "key": key, "type": type, "entityType": "customers"])
        }
        try await api.post("/custom-fields", ["name": "Order", "key": "order_number", "type": "text", "entityType": "tickets"])
        let customers: [[String: Any]] = [
            ["name": "=SUM(A1:A3)", "email": "formula@example.com", "tags": ["a;b", "c,d", "\"quoted\"", "=x"], "notes": "line 1\nline 2, \"two\"",
             "customFields": ["tier": "gold", "points": 12, "vip": true, "colours": ["red", "blue"]],
             "metadata": ["nested": ["x": [1, 2]], "s": "-1", "flag": false]],
            ["name": "Ünïcode 名前 ☃", "email": "unicode@example.com", "tags": [],
             "customFields": ["tier": "", "points": "12", "other": "x", "vip": NSNull()], "metadata": [:]],
            ["name": "@handle", "email": "at@example.com", "notes": "'already quoted", "sentiment": "negative",
             "customFields": ["vip": false, "points": 3.5], "tags": ["+plus"]],
            ["name": "-minus", "email": "minus@example.com", "notes": "\ttab first\r\nthen CRLF", "customFields": ["tier": "+1 555 0100"]],
        ]
        let imported = try await api.post("/import", ["resource": "customers", "records": customers])
        #expect((imported["data"] as? [String: Any])?["created"] as? Int == customers.count, "\(imported)")
        try await api.rawGet("/customers?page=1&pageSize=100").write(to: dir.appendingPathComponent("api.json"))
        try await api.rawGet("/custom-fields").write(to: dir.appendingPathComponent("defs.json"))
        try Self.pythonCheck.write(to: dir.appendingPathComponent("check.py"), atomically: true, encoding: .utf8)

        for guarded in [false, true] {
            let csv = dir.appendingPathComponent(guarded ? "guarded.csv" : "plain.csv")
            let run = try await CLIProcess.run(["export", "customers", "--format", "csv", "--output", csv.path, "--api-url", api.base]
                                               + (guarded ? [] : ["--no-guard-formulas"]), env: ["CSTAR_SECRET_KEY": team.secretKey])
            #expect(run.status == 0, "\(run.stderr)")
            let check = try await CLIProcess.offPool { try Self.python([dir.appendingPathComponent("check.py").path, csv.path, dir.appendingPathComponent("api.json").path,
                                         dir.appendingPathComponent("defs.json").path, guarded ? "1" : "0"]) }
            #expect(check.status == 0, "guarded=\(guarded): \(check.stdout) \(check.stderr)")
            #expect(check.stdout.contains("\"rows\": 4"), "\(check.stdout)")
        }
        // Without the guard, the formula is written as it is (so the guard test above is meaningful).
        let plain = try String(contentsOf: dir.appendingPathComponent("plain.csv"), encoding: .utf8)
        #expect(plain.contains("\r\n=SUM(A1:A3),") || plain.contains(",=SUM(A1:A3),"))
    }

    static func python(_ args: [String]) throws -> CLIProcess.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIProcess.Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    // MARK: 4. Damaged backups

    enum Damage: String, CaseIterable {
        case flippedByte, truncated, manifestChecksum, corruptedLine, missingManifest
    }

    static func sha256(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sha256sum", path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return String(text.prefix(64))
    }

    static func damage(_ dir: String, _ kind: Damage) throws -> String {
        let fm = FileManager.default
        let manifestURL = URL(fileURLWithPath: "\(dir)/manifest.json")
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
        var files = manifest["files"] as! [[String: Any]]
        func entry(_ name: String) -> Int { files.firstIndex { $0["file"] as? String == name }! }
        switch kind {
        case .flippedByte:
            var data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/customers.ndjson"))
            data[data.count / 2] ^= 0x01
            try data.write(to: URL(fileURLWithPath: "\(dir)/customers.ndjson"))
            return "customers.ndjson fails its checksum"
        case .truncated:
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/tickets.ndjson"))
            try data.prefix(data.count - 25).write(to: URL(fileURLWithPath: "\(dir)/tickets.ndjson"))
            return "tickets.ndjson is truncated"
        case .manifestChecksum:
            files[entry("customers.ndjson")]["sha256"] = String(repeating: "ab", count: 32)
            manifest["files"] = files
            try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
            return "customers.ndjson fails its checksum"
        case .corruptedLine:
            // A damaged line whose checksum was recomputed: only parsing can catch it.
            let path = "\(dir)/tickets.ndjson"
            var text = try String(contentsOfFile: path, encoding: .utf8)
            text = text.replacingOccurrences(of: "{\"id\"", with: "{\"id\"::", options: [], range: text.range(of: "{\"id\"", options: .backwards))
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            files[entry("tickets.ndjson")]["sha256"] = try sha256(path)
            files[entry("tickets.ndjson")]["bytes"] = try fm.attributesOfItem(atPath: path)[.size] as! Int
            manifest["files"] = files
            try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
            return "tickets.ndjson is corrupted: line"
        case .missingManifest:
            try fm.removeItem(at: manifestURL)
            return "manifest.json is missing"
        }
    }

    /// cStar refuses a whole status list for one bad colour; the bad status alone is rejected, with its line.
    @Test func statusWithABadColourIsRejectedAloneAndTheOthersKeepTheirColour() async throws {
        let dir = try CLIProcess.tempDir()
        let server = try await Self.sandbox(teams: 1, in: dir)
        defer { Task { await server.stop() } }
        let team = server.teams[0]
        let export = dir.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        try """
            {"id":"statuses:escalated","section":"statuses","key":"escalated","label":"Escalated","color":"#FF0000","position":6,"isProtected":false}
            {"id":"statuses:bad","section":"statuses","key":"bad","label":"Bad","color":"red","position":7,"isProtected":false}

            """.write(to: export.appendingPathComponent("settings.ndjson"), atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state")
        let run = try await CLIProcess.run(["migrate", export.path, "--from", "cstar", "--api-url", server.baseURL(for: team), "--json", "--state-dir", state.path],
                                           env: ["CSTAR_SECRET_KEY": team.secretKey])
        #expect(run.status == 3, "\(run.stderr)")
        let statuses = try await TeamAPI(base: server.baseURL(for: team), key: team.secretKey).reader.list("/settings/statuses")
        #expect(statuses.first { $0["key"] as? String == "escalated" }?["color"] as? String == "#FF0000")
        #expect(!statuses.contains { $0["key"] as? String == "bad" })
        let rejects = try String(contentsOf: state.appendingPathComponent("rejects.ndjson"), encoding: .utf8)
        #expect(rejects.contains("settings.ndjson:2") && rejects.contains("invalid_color") && rejects.contains("not sent"), "\(rejects)")
    }

    @Test func damagedBackupIsRefusedBeforeAnythingIsWritten() async throws {
        let dir = try CLIProcess.tempDir()
        let server = try await Self.sandbox(teams: 2, in: dir)
        defer { Task { await server.stop() } }
        let (a, b) = (server.teams[0], server.teams[1])
        let apiA = TeamAPI(base: server.baseURL(for: a), key: a.secretKey), apiB = TeamAPI(base: server.baseURL(for: b), key: b.secretKey)
        try await apiA.post("/import", ["resource": "customers", "records": (1...3).map { ["name": "C\($0)", "email": "c\($0)@example.com"] }])
        try await apiA.post("/import", ["resource": "tickets", "records": (1...4).map {
            ["title": "T\($0)", "customerName": "C1", "externalId": "t\($0)", "messages": [["content": "hello \($0)", "sender": "customer"]]]
        }])
        try await apiA.post("/categories", ["name": "Billing"])
        let good = try await Self.backup(server, team: a, into: dir.appendingPathComponent("backups"), state: dir.appendingPathComponent("state-a"))

        func teamBIsEmpty() async throws {
            #expect(try await apiB.reader.all("/customers").isEmpty)
            #expect(try await apiB.reader.all("/tickets").isEmpty)
            #expect(try await apiB.reader.all("/categories").isEmpty)
            #expect(try await apiB.reader.all("/customer-groups").isEmpty)
            #expect(try await apiB.reader.list("/custom-fields").isEmpty)
            #expect(try await apiB.reader.list("/tags").isEmpty)
        }
        for kind in Damage.allCases {
            let copy = dir.appendingPathComponent("damaged-\(kind.rawValue)")
            try FileManager.default.copyItem(atPath: good, toPath: copy.path)
            let expected = try Self.damage(copy.path, kind)
            let state = dir.appendingPathComponent("state-\(kind.rawValue)")
            let run = try await CLIProcess.run(["restore", copy.path, "--api-url", apiB.base, "--state-dir", state.path],
                                               env: ["CSTAR_SECRET_KEY": b.secretKey])
            #expect(run.status == 1, "\(kind): \(run.stderr)")
            #expect(run.stderr.contains(expected), "\(kind): \(run.stderr)")
            #expect(run.stderr.contains("Nothing was written to the team"), "\(kind): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("checkpoints.sqlite").path), "\(kind): no run was started")
            try await teamBIsEmpty()
        }
        // The intact backup restores (so the refusals above are due to the damage).
        let ok = try await CLIProcess.run(["restore", good, "--api-url", apiB.base, "--json", "--state-dir", dir.appendingPathComponent("state-good").path],
                                          env: ["CSTAR_SECRET_KEY": b.secretKey])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try await apiB.reader.all("/customers").count == 3)
        #expect(try await apiB.reader.all("/tickets").count == 4)

        // --keep: the newest complete backups stay; incomplete and foreign folders are never touched.
        let backups = dir.appendingPathComponent("backups")
        for name in [".cstar-backup-20200101T000000Z.incomplete-1", "cstar-backup-20200101T000000Z", "family-photos"] {
            try FileManager.default.createDirectory(at: backups.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        var newest: [String] = []
        for _ in 0..<2 {
            let run = try await CLIProcess.run(["backup", "--output", backups.path, "--keep", "2", "--api-url", apiA.base, "--json",
                                                "--state-dir", dir.appendingPathComponent("state-a").path], env: ["CSTAR_SECRET_KEY": a.secretKey])
            #expect(run.status == 0, "\(run.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            newest.append(((summary["path"] as? String ?? "") as NSString).lastPathComponent)
        }
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: backups.path))
        #expect(left == Set(newest + [".cstar-backup-20200101T000000Z.incomplete-1", "cstar-backup-20200101T000000Z", "family-photos"]),
                "\(left)")
        #expect(!left.contains((good as NSString).lastPathComponent), "the oldest complete backup was removed")
        let usage = try await CLIProcess.run(["backup", "--output", backups.path, "--keep", "0"])
        #expect(usage.status == 2, "\(usage.stderr)")
    }
}
