import CStarIO
import CStarSandbox
import Foundation
import Testing

/// A sandbox on port 0 with seeded data, and the built binary's `bulk` commands run against it.
struct BulkFixture {
    let dir: URL
    let server: SandboxServer
    let api: SandboxReader

    static func start() async throws -> BulkFixture {
        let dir = try CLIProcess.tempDir()
        var config = SandboxConfiguration()
        config.secretKeyLimit = 100_000
        let server = try await SandboxServer.start(dataPath: dir.appendingPathComponent("sandbox.sqlite").path, port: 0, configuration: config)
        return BulkFixture(dir: dir, server: server, api: SandboxReader(base: server.baseURL(for: server.team), key: server.team.secretKey))
    }

    var base: String { server.baseURL(for: server.team) }
    var key: String { server.team.secretKey }
    var state: URL { dir.appendingPathComponent("state") }
    var journalPath: String { state.appendingPathComponent("bulk.sqlite").path }

    /// `POST /bulk` requests the sandbox answered.
    var bulkCalls: RequestCounter.Count { server.api.requests.count("POST", "bulk") }

    func seed(_ resource: String, _ records: [[String: Any]]) async throws {
        var start = 0
        while start < records.count {
            let chunk = Array(records[start..<min(start + 500, records.count)])
            let answer = try await api.post("/import", ["resource": resource, "records": chunk])
            let data = try #require(answer["data"] as? [String: Any], "import answered \(answer)")
            #expect(data["created"] as? Int == chunk.count, "seeded \(resource): \(data)")
            start += 500
        }
    }

    func bulk(_ args: [String], env: [String: String] = [:], terminalInput: String? = nil) async throws -> CLIProcess.Result {
        try await CLIProcess.run(["bulk"] + args + ["--api-url", base, "--state-dir", state.path],
                                 env: env.merging(["CSTAR_SECRET_KEY": key]) { a, _ in a }, terminalInput: terminalInput)
    }

    /// Starts `bulk …` without waiting for it.
    func startBulk(_ args: [String], env: [String: String]) throws -> Process {
        let p = Process()
        p.executableURL = CLIProcess.binary
        p.arguments = ["bulk"] + args + ["--api-url", base, "--state-dir", state.path, "--quiet"]
        var environment = ProcessInfo.processInfo.environment
        for k in ["CSTAR_SECRET_KEY", "CSTAR_API_URL", "CSTAR_TEAM_ID"] { environment[k] = nil }
        environment["CSTAR_SECRET_KEY"] = key
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func wait(_ p: Process) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { p.waitUntilExit(); c.resume() }
        }
    }

    static func json(_ result: CLIProcess.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "stdout: \(result.stdout) stderr: \(result.stderr)")
    }

    /// Every record of a resource by id, as JSON text with sorted keys, without `updatedAt` (which any write changes).
    func snapshot(_ resource: String) async throws -> [String: String] {
        var out: [String: String] = [:]
        for row in try await api.all("/\(resource)") {
            out[row["id"] as! String] = try Self.canonical(row, without: ["updatedAt"])
        }
        return out
    }

    static func canonical(_ row: [String: Any], without: Set<String>) throws -> String {
        let kept = row.filter { !without.contains($0.key) }
        return String(decoding: try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]), as: UTF8.self)
    }

    func stop() async { await server.stop() }
}

@Suite("End to end: scripted bulk edits with dry run, resume and undo", .serialized)
struct BulkEditTests {
    static func ticket(_ i: Int, status: String, tags: [String]) -> [String: Any] {
        ["title": "Ticket \(i)", "customerName": "Customer \(i % 17)", "status": status, "priority": i % 2 == 0 ? "high" : "normal",
         "tags": tags, "notes": i % 3 == 0 ? NSNull() : "note \(i)", "metadata": ["n": i]]
    }

    static func customer(_ i: Int) -> [String: Any] {
        ["name": "Customer \(i)", "email": "c\(i)@example.com", "status": i % 5 == 0 ? "inactive" : "active",
         "sentiment": ["positive", "neutral", "negative"][i % 3], "tags": i % 2 == 0 ? ["even", "t\(i % 7)"] : [],
         "notes": i % 4 == 0 ? NSNull() : "notes of \(i)", "metadata": i % 3 == 0 ? ["plan": "gold", "seat": i] : [:],
         "customFields": ["tier": i % 2]]
    }

    @Test(.timeLimit(.minutes(5)))
    func twoHundredFiftyIdsTakeThreeCalls() async throws {
        let f = try await BulkFixture.start()
        defer { Task { await f.stop() } }
        try await f.seed("tickets", (0..<250).map { Self.ticket($0, status: "pending", tags: ["refund", "x"]) }
            + (250..<280).map { Self.ticket($0, status: "pending", tags: ["other"]) }
            + (280..<300).map { Self.ticket($0, status: "open", tags: ["refund"]) })

        let result = try await f.bulk(["update", "tickets", "--where", "status=pending", "--where", "tag=refund", "--set", "status=closed", "--yes", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try BulkFixture.json(result)
        #expect(summary["items"] as? Int == 250)
        #expect(summary["calls"] as? Int == 3)
        #expect(summary["succeeded"] as? Int == 250)
        #expect(f.bulkCalls.total == 3, "the sandbox received exactly three POST /bulk")
        #expect(f.bulkCalls.applied == 3)

        let tickets = try await f.api.all("/tickets")
        let closed = tickets.filter { $0["status"] as? String == "closed" }
        #expect(closed.count == 250)
        #expect(closed.allSatisfy { ($0["tags"] as? [String] ?? []).contains("refund") })
        #expect(tickets.filter { $0["status"] as? String == "pending" }.count == 30, "pending tickets without the tag are untouched")
        #expect(tickets.filter { $0["status"] as? String == "open" }.count == 20, "open tickets with the tag are untouched")
        #expect(!result.stdout.contains(f.key) && !result.stderr.contains(f.key))
        let journal = try Data(contentsOf: URL(fileURLWithPath: f.journalPath))
        #expect(journal.range(of: Data(f.key.utf8)) == nil, "the key is not in the journal")
    }

    @Test(.timeLimit(.minutes(5)))
    func runKilledBetweenCallsResumesWithoutRepeatingACall() async throws {
        let f = try await BulkFixture.start()
        defer { Task { await f.stop() } }
        try await f.seed("customers", (0..<250).map(Self.customer))
        let ids = try await f.api.all("/customers").map { $0["id"] as! String }
        let idsFile = f.dir.appendingPathComponent("ids.csv")
        try ("id,comment\n" + ids.map { "\($0),x" }.joined(separator: "\n") + "\n").write(to: idsFile, atomically: true, encoding: .utf8)
        let args = ["update", "customers", "--ids-file", idsFile.path, "--set", "sentiment=angry", "--set", #"tags=["moved"]"#, "--yes"]

        // Pause (for longer than the test may take) after every committed call; kill the process once the first
        // call is in the journal. No race: the process cannot send call 2 before it is killed.
        let p = try f.startBulk(args, env: ["CSTAR_IO_TEST_BULK_PAUSE_MS": "600000"])
        var committed = 0
        for _ in 0..<2400 where committed == 0 {
            try await Task.sleep(for: .milliseconds(50))
            if FileManager.default.fileExists(atPath: f.journalPath), let run = try BulkJournal(path: f.journalPath).runs().first {
                committed = try BulkJournal(path: f.journalPath).calls(run.id).filter { $0.state == "committed" }.count
            }
        }
        #expect(committed == 1)
        #expect(p.isRunning, "killed while paused between calls")
        kill(p.processIdentifier, SIGKILL)
        await BulkFixture.wait(p)
        #expect(f.bulkCalls.total == 1)
        #expect(try await f.api.all("/customers").filter { $0["sentiment"] as? String == "angry" }.count == 100)

        let result = try await f.bulk(args + ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try BulkFixture.json(result)
        #expect(summary["resumed"] as? Bool == true)
        #expect(summary["callsSent"] as? Int == 2, "only the two calls not done")
        #expect(summary["succeeded"] as? Int == 250)
        #expect(f.bulkCalls.total == 3, "each of the three calls reached cStar once")
        #expect(f.bulkCalls.replayed == 0)
        let after = try await f.api.all("/customers")
        #expect(after.count == 250)
        #expect(after.allSatisfy { $0["sentiment"] as? String == "angry" && ($0["tags"] as? [String]) == ["moved"] })
    }

    @Test(.timeLimit(.minutes(5)))
    func crashAfterTheAnswerBeforeTheCommitIsReplayedNotApplied() async throws {
        let f = try await BulkFixture.start()
        defer { Task { await f.stop() } }
        try await f.seed("tickets", (0..<250).map { Self.ticket($0, status: "open", tags: ["t"]) })
        let args = ["update", "tickets", "--where", "status=open", "--set", "priority=urgent", "--yes"]
        // Exit right after cStar answered call 1, before the journal records it.
        let crashed = try await f.bulk(args, env: ["CSTAR_IO_TEST_BULK_EXIT_AFTER_ANSWER": "1"])
        #expect(crashed.status == 99, "\(crashed.stderr)")
        #expect(f.bulkCalls.applied == 2)

        let result = try await f.bulk(args + ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try BulkFixture.json(result)
        #expect(summary["callsSent"] as? Int == 2)
        #expect(summary["callsReplayed"] as? Int == 1, "call 1 went again with its key and was replayed")
        #expect(f.bulkCalls.applied == 3, "no call was applied twice")
        #expect(f.bulkCalls.replayed == 1)
        #expect(try await f.api.all("/tickets").allSatisfy { $0["priority"] as? String == "urgent" })
    }

    @Test(.timeLimit(.minutes(5)))
    func undoRestoresTheExactPriorValuesOfEveryChangedField() async throws {
        let f = try await BulkFixture.start()
        defer { Task { await f.stop() } }
        try await f.seed("customers", (0..<130).map(Self.customer))
        let before = try await f.snapshot("customers")

        let update = try await f.bulk(["update", "customers", "--where", "status=active", "--set", "status=inactive", "--set", #"tags=["churned"]"#,
                                       "--set", #"metadata={"bulk":true,"plan":"none"}"#, "--set", "notes=null", "--set", "sentiment=angry", "--yes", "--json"])
        #expect(update.status == 0, "\(update.stderr)")
        let runId = try #require(try BulkFixture.json(update)["runId"] as? String)
        let changed = try await f.snapshot("customers")
        #expect(changed != before)
        #expect(changed.values.filter { $0.contains(#""tags":["churned"]"#) }.count == 104, "the 104 active customers changed")

        let undo = try await f.bulk(["undo", String(runId.prefix(8)), "--yes", "--json"])
        #expect(undo.status == 0, "\(undo.stderr)")
        let undoSummary = try BulkFixture.json(undo)
        #expect(undoSummary["succeeded"] as? Int == 104)
        #expect(undoSummary["undoOf"] as? String == runId)
        let restored = try await f.snapshot("customers")
        #expect(restored.count == before.count)
        for (id, record) in before {
            #expect(restored[id] == record, "customer \(id) is back as it was")
        }

        // Undo is idempotent: again, it sends nothing.
        let calls = f.bulkCalls.total
        let again = try await f.bulk(["undo", runId, "--yes", "--json"])
        #expect(again.status == 0)
        #expect(try BulkFixture.json(again)["alreadyUndone"] as? Bool == true)
        #expect(f.bulkCalls.total == calls)
    }

    @Test(.timeLimit(.minutes(5)))
    func deleteNeedsYesAboveTheThresholdAndUndoBringsRecordsBack() async throws {
        let f = try await BulkFixture.start()
        defer { Task { await f.stop() } }
        var tickets: [[String: Any]] = []
        for i in 0..<30 {
            var t = Self.ticket(i, status: i % 2 == 0 ? "open" : "resolved", tags: i % 5 < 2 ? ["spam"] : ["real"])
            t["createdAt"] = String(format: "2025-03-%02dT08:00:00.000Z", 1 + i % 28)
            t["messages"] = (0..<3).map { m in
                ["content": "message \(m) of \(i)", "sender": m == 1 ? "agent" : "customer", "isInternal": m == 2,
                 "createdAt": String(format: "2025-03-%02dT09:0%d:00.000Z", 1 + i % 28, m)]
            }
            tickets.append(t)
        }
        try await f.seed("tickets", tickets)
        let all = try await f.api.all("/tickets")
        let spam = all.filter { ($0["tags"] as? [String]) == ["spam"] }
        #expect(spam.count == 12)
        var threads: [String: [String]] = [:]
        for t in spam {
            threads[t["title"] as! String] = try await f.api.list("/tickets/\(t["id"] as! String)/messages").map { "\($0["sender"]!)|\($0["content"]!)|\($0["isInternal"]!)|\($0["createdAt"]!)" }
        }

        let refused = try await f.bulk(["delete", "tickets", "--where", "tag=spam", "--confirm-threshold", "10"])
        #expect(refused.status == 2, "more than the threshold without --yes: \(refused.stderr)")
        #expect(f.bulkCalls.total == 0)
        #expect(try await f.api.all("/tickets").count == 30)

        let delete = try await f.bulk(["delete", "tickets", "--where", "tag=spam", "--confirm-threshold", "10", "--yes", "--json"])
        #expect(delete.status == 0, "\(delete.stderr)")
        let runId = try #require(try BulkFixture.json(delete)["runId"] as? String)
        #expect(try await f.api.all("/tickets").count == 18)

        let undo = try await f.bulk(["undo", runId, "--yes", "--json"])
        #expect(undo.status == 0, "\(undo.stderr)")
        let back = try await f.api.all("/tickets")
        #expect(back.count == 30)
        for old in spam {
            let title = old["title"] as! String
            let new = try #require(back.first { $0["title"] as? String == title }, "\(title) is back")
            #expect(try BulkFixture.canonical(old, without: ["id"]) == BulkFixture.canonical(new, without: ["id"]), "\(title): every field as before (new id)")
            let thread = try await f.api.list("/tickets/\(new["id"] as! String)/messages").map { "\($0["sender"]!)|\($0["content"]!)|\($0["isInternal"]!)|\($0["createdAt"]!)" }
            #expect(thread == threads[title], "\(title): its messages are back")
        }
    }

    /// On a terminal, a run shows what it will change and asks; anything but yes changes nothing.
    @Test(.timeLimit(.minutes(5)))
    func onATerminalTheRunAsksAndOnlyYesProceeds() async throws {
        let f = try await BulkFixture.start()
        defer { Task { await f.stop() } }
        try await f.seed("tickets", (0..<30).map { Self.ticket($0, status: "pending", tags: ["refund"]) })
        let before = try await f.snapshot("tickets")
        let args = ["update", "tickets", "--where", "status=pending", "--set", "status=closed"]

        let no = try await f.bulk(args, terminalInput: "n\n")
        #expect(no.status == 1, "\(no.stderr)")
        #expect(no.stderr.contains("About to update 30 tickets"), "\(no.stderr)")
        #expect(no.stderr.contains("Proceed? [y/N]") && no.stderr.contains("Cancelled; nothing was changed."), "\(no.stderr)")
        #expect(f.bulkCalls.total == 0)
        #expect(try await f.snapshot("tickets") == before)

        let yes = try await f.bulk(args, terminalInput: "yes\n")
        #expect(yes.status == 0, "\(yes.stderr)")
        #expect(yes.stderr.contains("Proceed? [y/N]"), "\(yes.stderr)")
        #expect(f.bulkCalls.total == 1)
        #expect(try await f.api.all("/tickets").allSatisfy { $0["status"] as? String == "closed" })
    }

    @Test(.timeLimit(.minutes(5)))
    func dryRunChangesNothing() async throws {
        let f = try await BulkFixture.start()
        defer { Task { await f.stop() } }
        try await f.seed("tickets", (0..<150).map { Self.ticket($0, status: "pending", tags: ["refund"]) })
        let before = try await f.snapshot("tickets")
        let result = try await f.bulk(["update", "tickets", "--where", "status=pending", "--set", "status=closed", "--dry-run", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try BulkFixture.json(result)
        #expect(summary["dryRun"] as? Bool == true)
        #expect(summary["items"] as? Int == 150)
        #expect(summary["calls"] as? Int == 2)
        let sample = try #require(summary["sample"] as? [[String: Any]])
        #expect(sample.count == 5)
        #expect(sample.allSatisfy { ($0["before"] as? [String: Any])?["status"] as? String == "pending" && ($0["after"] as? [String: Any])?["status"] as? String == "closed" })
        #expect(f.bulkCalls.total == 0)
        #expect(try await f.snapshot("tickets") == before)
        let journaled = FileManager.default.fileExists(atPath: f.journalPath) ? try BulkJournal(path: f.journalPath).runs().count : 0
        #expect(journaled == 0, "a dry run leaves no run in the journal")

        let text = try await f.bulk(["delete", "tickets", "--where", "status=pending", "--dry-run"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("would delete 150 tickets in 2 call(s)"), "\(text.stdout)")
        #expect(try await f.snapshot("tickets") == before)
    }

    @Test(.timeLimit(.minutes(5)))
    func changesFileGroupsRowsAndReportsPerIdFailures() async throws {
        let f = try await BulkFixture.start()
        defer { Task { await f.stop() } }
        try await f.seed("customers", (0..<10).map(Self.customer))
        let ids = try await f.api.all("/customers").map { $0["id"] as! String }
        let missing = "cus_00000000000000000000000000000000"
        var csv = "id,status,sentiment,tags\n"
        for id in ids[0..<4] { csv += "\(id),inactive,negative,\n" }
        for id in ids[4..<7] { csv += "\(id),active,positive,\"[\"\"vip\"\"]\"\n" }
        csv += "\(missing),inactive,negative,\n"
        let changes = f.dir.appendingPathComponent("changes.csv")
        try csv.write(to: changes, atomically: true, encoding: .utf8)
        let failures = f.dir.appendingPathComponent("failures.ndjson")

        let result = try await f.bulk(["update", "customers", "--from", changes.path, "--failures", failures.path, "--yes", "--json"])
        #expect(result.status == 3, "a per-id failure finishes with exit 3: \(result.stderr)")
        let summary = try BulkFixture.json(result)
        #expect(summary["calls"] as? Int == 2, "rows with identical changes share a call")
        #expect(summary["succeeded"] as? Int == 7)
        #expect(summary["failed"] as? Int == 1)
        #expect(f.bulkCalls.total == 2)
        let lines = try String(contentsOf: failures, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let failure = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(failure["id"] as? String == missing)
        #expect(failure["code"] as? String == "RESOURCE_MISSING")
        let after = try await f.api.all("/customers")
        for id in ids[0..<4] { #expect(after.first { $0["id"] as? String == id }.map { $0["status"] as? String == "inactive" && $0["sentiment"] as? String == "negative" } == true) }
        for id in ids[4..<7] { #expect(after.first { $0["id"] as? String == id }.map { ($0["tags"] as? [String]) == ["vip"] && $0["sentiment"] as? String == "positive" } == true) }

        // --ids-file with NDJSON records and with plain lines.
        let ndjson = f.dir.appendingPathComponent("ids.ndjson")
        try ids[7..<10].map { "{\"id\":\"\($0)\",\"why\":\"x\"}" }.joined(separator: "\n").write(to: ndjson, atomically: true, encoding: .utf8)
        let byIds = try await f.bulk(["update", "customers", "--ids-file", ndjson.path, "--set", "notes=from ids", "--yes", "--json"])
        #expect(byIds.status == 0, "\(byIds.stderr)")
        #expect(try BulkFixture.json(byIds)["succeeded"] as? Int == 3)
        let plain = f.dir.appendingPathComponent("ids.txt")
        try (ids[0..<2].joined(separator: "\n") + "\n").write(to: plain, atomically: true, encoding: .utf8)
        let deleted = try await f.bulk(["delete", "customers", "--ids-file", plain.path, "--yes", "--json"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        let final = try await f.api.all("/customers")
        #expect(final.count == 8)
        #expect(final.filter { $0["notes"] as? String == "from ids" }.count == 3)
    }
}
