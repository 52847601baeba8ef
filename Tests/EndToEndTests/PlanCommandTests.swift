import Foundation
import Testing

@Suite("End to end: plan and validate")
struct PlanCommandTests {
    @Test func planOverTheSampleReportsEveryEntityAndReconciles() async throws {
        let dir = try CLIProcess.tempDir()
        let out = dir.appendingPathComponent("batches").path
        let run = try await CLIProcess.run(["plan", "Samples/zendesk", "--json", "--state-dir", dir.appendingPathComponent("state").path, "--out", out])
        #expect(run.status == 3, "exit 3: some records are rejected by design\n\(run.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let entities = try #require(plan["entities"] as? [[String: Any]])
        let names = entities.compactMap { $0["entity"] as? String }
        #expect(Set(names) == ["ticket-fields", "user-fields", "organizations", "customers", "memberships", "hc-categories",
                               "hc-sections", "articles", "tickets", "business-hours", "statuses"])
        for e in entities {
            let parts = ["created", "updated", "skipped", "rejected", "failed"].compactMap { e[$0] as? Int }
            #expect(e["read"] as? Int == parts.reduce(0, +), "\(e["entity"] ?? "")")
        }
        let samples = try #require(plan["samples"] as? [String: [Any]])
        #expect(samples["tickets"]?.count == 3)
        let rejects = try #require(plan["rejects"] as? [[String: Any]])
        #expect(rejects.count == 3)
        #expect(rejects.allSatisfy { ($0["location"] as? String)?.contains(".json:") == true && $0["field"] is String })
        // --out holds the exact batches: one import request for the 30 tickets with their threads.
        let batch = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/tickets/batch-00001.json"))) as? [String: Any]
        #expect(batch?["path"] as? String == "/import")
        let body = batch?["body"] as? [String: Any]
        #expect((body?["records"] as? [Any])?.count == 30)
        #expect(body?["resource"] as? String == "tickets")
    }

    /// A rule reading a column the file does not have is a mapping mistake, named with the columns it does have;
    /// the coverage report lists what the mapping leaves behind.
    @Test func aColumnNoRecordHasIsAnErrorAndCoverageListsWhatIsLeftBehind() async throws {
        let dir = try CLIProcess.tempDir()
        let export = dir.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        try "Id,E-mail,Full Name,Phone\n1,a@x.test,Ann,555\n".write(to: export.appendingPathComponent("users.csv"), atomically: true, encoding: .utf8)
        let mapping = dir.appendingPathComponent("m.yaml")
        try "version: 1\nentity: customers\ntarget: customers\nsource: { files: [users.csv] }\nkey: id\nfields:\n  email: e_mail\n  name: surname\n"
            .write(to: mapping, atomically: true, encoding: .utf8)
        let bad = try await CLIProcess.run(["validate", export.path, "--mapping", mapping.path, "--state-dir", dir.appendingPathComponent("s").path])
        #expect(bad.status == 2, "\(bad.stderr)")
        #expect(bad.stderr.contains("'surname'") && bad.stderr.contains("Full Name") && bad.stderr.contains("users.csv"), "\(bad.stderr)")
        try "version: 1\nentity: customers\ntarget: customers\nsource: { files: [users.csv] }\nkey: id\nfields:\n  email: e_mail\n  name: full_name\n"
            .write(to: mapping, atomically: true, encoding: .utf8)
        let good = try await CLIProcess.run(["plan", export.path, "--mapping", mapping.path, "--state-dir", dir.appendingPathComponent("s").path])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("leaves behind") && good.stdout.contains("Phone (1)"), "\(good.stdout)")
    }

    @Test func validateNamesMappingErrorsAndExits2() async throws {
        let dir = try CLIProcess.tempDir()
        let mapping = dir.appendingPathComponent("bad.yaml")
        try "version: 1\nentity: x\ntarget: customers\nsource:\n  files: [users.json]\n  records: users\nkey: id\nfields:\n  email: { from: email, transform: [lowr] }\n"
            .write(to: mapping, atomically: true, encoding: .utf8)
        let run = try await CLIProcess.run(["validate", "Samples/zendesk", "--mapping", mapping.path, "--state-dir", dir.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.yaml:9:"))
        #expect(run.stderr.contains("fields.email.transform[0]"))
        #expect(run.stderr.contains("unknown transform 'lowr'"))
        let good = try await CLIProcess.run(["validate", "Samples/zendesk", "--mapping", "Mappings/zendesk/organizations.yaml", "--state-dir", dir.path])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("organizations"))
    }
    /// A users page dump saved under a name no mapping reads (`zd_users_page1.json`) is not silently lost: the run names
    /// the file, says which entity it probably holds and how to include it, and finishes "with problems" (exit 3); a
    /// file no entity's records key fits is named too, without changing the outcome.
    @Test func aFileNoMappingReadsIsNamedAndOneHoldingRecordsMakesTheRunFinishWithProblems() async throws {
        let dir = try CLIProcess.tempDir()
        let export = dir.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        let ticket = #"{"tickets": [{"id": 1, "subject": "Hi", "status": "open", "priority": "low", "requester_id": 7, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z", "description": "Hi"}]}"#
        try ticket.write(to: export.appendingPathComponent("tickets.json"), atomically: true, encoding: .utf8)
        let mapping = dir.appendingPathComponent("mine/tickets.yaml")
        try FileManager.default.createDirectory(at: mapping.deletingLastPathComponent(), withIntermediateDirectories: true)
        try """
            version: 1
            entity: tickets
            target: tickets
            source: { files: [tickets.json], records: tickets }
            key: id
            ignore: [status, priority, requester_id, created_at, updated_at, description]
            fields:
              title: subject
            """.write(to: mapping, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("s").path
        let clean = try await CLIProcess.run(["plan", export.path, "--mapping", mapping.path, "--state-dir", state])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(!clean.stderr.contains("read by no mapping"), "\(clean.stderr)")

        try #"{"notes": {"a": 1}}"#.write(to: export.appendingPathComponent("about.json"), atomically: true, encoding: .utf8)
        let harmless = try await CLIProcess.run(["plan", export.path, "--mapping", mapping.path, "--state-dir", state])
        #expect(harmless.status == 0, "\(harmless.stderr)")
        #expect(harmless.stderr.contains("warning: about.json is read by no mapping"), "\(harmless.stderr)")

        try FileManager.default.createDirectory(at: export.appendingPathComponent("more"), withIntermediateDirectories: true)
        try ticket.write(to: export.appendingPathComponent("more/zd_tickets_page2.json"), atomically: true, encoding: .utf8)
        let lossy = try await CLIProcess.run(["plan", export.path, "--mapping", mapping.path, "--state-dir", state, "--json"])
        #expect(lossy.status == 3, "\(lossy.stderr)")
        #expect(lossy.stderr.contains("more/zd_tickets_page2.json is read by no mapping but looks like 'tickets' records of tickets"), "\(lossy.stderr)")
        #expect(lossy.stderr.contains("tickets.yaml"), "names the mapping to add it to: \(lossy.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(lossy.stdout.utf8)) as? [String: Any])
        let unclaimed = plan["unclaimedFiles"] as? [[String: Any]] ?? []
        #expect(Set(unclaimed.compactMap { $0["path"] as? String }) == ["about.json", "more/zd_tickets_page2.json"], "\(unclaimed)")
        #expect(unclaimed.first { $0["path"] as? String == "more/zd_tickets_page2.json" }?["probableEntity"] as? String == "tickets")
    }
}
