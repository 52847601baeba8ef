@testable import CStarIO
import Foundation
import Testing

/// The words the CLI prints, made in the library (Report/SummaryText, ProgressText, BulkText, TextTable).
@Suite("Summary, progress and bulk texts")
struct SummaryTextTests {
    static func entity(_ name: String, target: String, read: Int, created: Int, skipped: Int = 0, rejected: Int = 0) -> EntitySummary {
        var e = EntitySummary(entity: name, target: target)
        e.read = read
        e.created = created
        e.skipped = skipped
        e.rejected = rejected
        return e
    }

    @Test func theMigrationTableAlignsNamesLeftAndCountsRight() {
        var tickets = Self.entity("tickets", target: "tickets", read: 1200, created: 1190, skipped: 7, rejected: 3)
        tickets.skippedBy = ["duplicate": 4, "exists": 3]
        tickets.childRead = 5000
        tickets.childRejected = 2
        tickets.reconciliation = Reconciliation(expected: 1190, found: 1190, lookupRequests: 3)
        let summary = MigrationSummary(entities: [Self.entity("organizations", target: "customer-groups", read: 12, created: 12), tickets],
                                       requests: 9, retries: 1, minimumRequests: 4, elapsedSeconds: 2.25, rejectsFile: "/s/rejects.ndjson")
        let lines = SummaryText.migration(summary, source: "export", target: "sandbox").split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "Migrated export → sandbox")
        #expect(lines[2] == "entity         read  created  updated  skipped  rejected  failed")
        #expect(lines[3] == "organizations    12       12        0        0         0       0")
        #expect(lines[4] == "tickets        1200     1190        0        7         3       0")
        #expect(lines[5] == "  tickets skipped: 4 duplicates in the source, 3 already in cStar")
        #expect(lines[6] == "  tickets messages: 5000 read, 4998 delivered, 2 rejected, 0 skipped (rejected ones are in the rejects file)")
        #expect(lines.contains("9 requests (minimum 4 for these records; 3 spent reading ids; 1 retries) · elapsed 2.2s"
                               ) || lines.contains("9 requests (minimum 4 for these records; 3 spent reading ids; 1 retries) · elapsed 2.3s"))
        #expect(lines.contains("checked against cStar: all 1190 records delivered are there"))
        #expect(lines.last == "rejected records and their reasons: /s/rejects.ndjson")
    }

    @Test func aMismatchIsNamedWithWhatWasFoundAndWhatIsMissing() {
        var customers = Self.entity("users", target: "customers", read: 10, created: 10)
        customers.reconciliation = Reconciliation(expected: 10, found: 8, missingSample: ["u-3", "u-9"])
        var tickets = Self.entity("tickets", target: "tickets", read: 5, created: 5)
        tickets.reconciliation = Reconciliation(expected: 5, found: 5, messageMismatches: 1)
        let summary = MigrationSummary(entities: [customers, tickets], requests: 1, retries: 0, minimumRequests: 1, elapsedSeconds: 1)
        #expect(summary.verdict == .mismatch)
        #expect(SummaryText.mismatchLines(summary) == [
            "error: cStar's customers do not match what this run delivered: 8 of 10 found (missing source keys: u-3, u-9).",
            "error: cStar's tickets do not match what this run delivered: 5 of 5 found, 1 tickets with a different message count.",
        ])
        #expect(SummaryText.migration(summary, source: "a", target: "b").contains("checked against cStar: MISMATCH in users, tickets (see above)"))
    }

    @Test func quotaWaitsAreCountedInTheRequestsLine() {
        var summary = MigrationSummary(entities: [], requests: 30, retries: 0, minimumRequests: 28, elapsedSeconds: 3700)
        summary.quotaWaits = 2
        summary.quotaWaitSeconds = 3605
        #expect(SummaryText.requestsLine(summary) == "30 requests (minimum 28 for these records; 0 spent reading ids; waited 1h 0m for the quota 2 times) · elapsed 3700.0s")
    }

    @Test func durationsAndTheProgressLine() {
        #expect(ProgressText.duration(0.4) == "0s")
        #expect(ProgressText.duration(59.6) == "1m 0s")
        #expect(ProgressText.duration(3 * 3600 + 125) == "3h 2m")
        #expect(ProgressText.rate(100, 0) == "–/s")
        let line = ProgressText.status(entity: "tickets", settled: 12_000, total: 20_000, rate: 849.6,
                                       estimate: ProgressEstimate(seconds: 100, basis: .speed), quota: nil, now: 0)
        #expect(line == "tickets: 12000/20000 done (60%) · 850/s · ETA 1m 40s")
        var waiting = RequestBudget.Snapshot()
        waiting.waitingUntil = 720
        let paused = ProgressText.status(entity: "tickets", settled: 5, total: nil, rate: nil,
                                         estimate: ProgressEstimate(seconds: 2400, basis: .quota(limit: 1000, period: 3600)), quota: waiting, now: 0)
        #expect(paused.hasPrefix("tickets: 5 done · waiting for the quota window, resets at "))
        #expect(paused.hasSuffix("(in 12m 0s) · ETA 40m 0s (quota: 1000 requests per 1h 0m)"))
    }

    @Test func thePlanTableAndItsVerdicts() throws {
        var e = Self.entity("tickets", target: "tickets", read: 3, created: 2, rejected: 1)
        e.samples = [.object(JSONObject([("subject", .string("Hi"))]))]
        let summary = MigrationSummary(entities: [e], requests: 0, retries: 0, minimumRequests: 1, elapsedSeconds: 0)
        let reject: JSONValue = .object(JSONObject([("location", .string("tickets.json:4")), ("entity", .string("tickets")),
                                                    ("field", .string("subject")), ("reason", .string("required"))]))
        var result = PlanSession.Result(summary: summary, delta: false, rejectsPath: "/s/plan-rejects.ndjson", rejects: [reject], filesWritten: ["a", "b"])
        #expect(result.verdict == .rejects)
        let text = SummaryText.plan(result.summary, delta: false, rejects: result.rejects, rejectsPath: result.rejectsPath, title: "Plan for",
                                    source: "export", withSamples: true, outputDirectory: "/tmp/out", batchFiles: result.filesWritten.count)
        #expect(text.contains("entity   target   read  would create  skipped  rejected\ntickets  tickets     3             2        0         1"))
        #expect(text.contains("Every record is accounted for: read = would create + skipped + rejected, for each entity."))
        #expect(text.contains("  tickets.json:4  tickets.subject: required"))
        #expect(text.contains("  tickets: {\"subject\":\"Hi\"}"))
        #expect(text.hasSuffix("Batches written to /tmp/out/ (2 files)"))

        // Counts that do not add up outrank everything; a rule reading a field no record has comes next.
        result.summary.entities[0].read = 4
        #expect(result.verdict == .countsDoNotReconcile)
        #expect(SummaryText.plan(result.summary, delta: false, rejects: [], rejectsPath: "", title: "Plan for", source: "export",
                                 withSamples: false, outputDirectory: nil, batchFiles: 0).contains("WARNING: counts do not reconcile"))
        result.summary.entities[0].read = 3
        var coverage = Coverage()
        coverage.missing = ["subject ← title"]
        coverage.available = ["id", "subject"]
        result.summary.entities[0].coverage = coverage
        result.summary.entities[0].files = ["/x/tickets.json"]
        #expect(result.verdict == .fieldsMissing)
        #expect(SummaryText.missingFieldLines(result.summary.entities) == [
            "error: tickets: subject ← title reads a field that no record of tickets.json has",
            "  the records have: id, subject",
            "Fix the field names in the mapping, or mark a rule `optional: true` when exports may lack that field.",
        ])
    }

    @Test func bulkSampleLinesShowBeforeAndAfter() {
        let item = BulkJournal.Item(seq: 1, recordId: "tkt_1", changes: #"{"status":"closed"}"#, callIndex: 0,
                                    before: #"{"title":"Refund","status":"open"}"#, outcome: nil, errorCode: nil, errorMessage: nil)
        #expect(BulkText.sampleLine(item, action: .update) == #"tkt_1 "Refund": status: "open" → "closed""#)
        #expect(BulkText.sampleLine(item, action: .delete) == #"tkt_1 "Refund" → deleted"#)
        let gone = BulkJournal.Item(seq: 2, recordId: "tkt_2", changes: #"{"status":"closed"}"#, callIndex: 0, before: nil,
                                    outcome: nil, errorCode: nil, errorMessage: nil)
        #expect(BulkText.sampleLine(gone, action: .update) == #"tkt_2: status: ? → "closed" (record not found now)"#)
        #expect(BulkText.sample(gone, action: .update)["found"] == .bool(false))
    }
}

@Suite("Mapping sets: choosing and copying")
struct MappingChoiceTests {
    @Test func autoRecognisesTheZendeskSampleAndRefusesAFolderWithoutRecords() throws {
        let zendesk = TestFiles.repoRoot.appendingPathComponent("Samples/zendesk").path
        let choice = try MappingChoice.load("auto", exportDirectory: zendesk)
        #expect(choice.recognition?.hasPrefix("Recognised a zendesk export (") == true)
        #expect(choice.entities.contains { $0.target == .tickets })

        let empty = (try TestFiles.write("x", name: "notes.txt") as NSString).deletingLastPathComponent
        #expect(throws: MappingChoice.Unrecognised.self) { try MappingChoice.load("auto", exportDirectory: empty) }
        #expect(throws: MappingSourceError.self) { try MappingChoice.load("no-such-set-or-path") }
    }

    @Test func copyWritesNothingWhenAFileExistsUnlessForced() throws {
        let set = try #require(BuiltInMappingSet.named("zendesk"))
        let dir = (try TestFiles.write("mine", name: "tickets.yaml") as NSString).deletingLastPathComponent
        try "x: 1".write(toFile: dir + "/extra.yaml", atomically: true, encoding: .utf8)
        #expect(throws: BuiltInMappingSet.CopyError.self) { try set.copy(into: dir, force: false) }
        #expect(try String(contentsOfFile: dir + "/tickets.yaml", encoding: .utf8) == "mine")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["extra.yaml", "tickets.yaml"])

        let copied = try set.copy(into: dir, force: true)
        #expect(copied.overwritten == ["tickets.yaml"])
        #expect(copied.others == ["extra.yaml"])
        #expect(copied.paths.count == set.files.count)
        #expect(try String(contentsOfFile: dir + "/tickets.yaml", encoding: .utf8) == set.file(named: "tickets.yaml")?.text)

        let file = try TestFiles.write("", name: "plain")
        #expect(throws: BuiltInMappingSet.CopyError.self) { try set.copy(into: file, force: true) }
    }

    @Test func theCatalogListsEveryBuiltInSetWithItsEntities() {
        let catalog = BuiltInMappingSet.catalog
        #expect(catalog.map(\.set.name) == BuiltInMappingSet.names)
        for entry in catalog {
            #expect(entry.loadError == nil, "\(entry.set.name): \(entry.loadError ?? "")")
            #expect(!entry.entities.isEmpty)
            #expect(entry.lines.count == entry.entities.count + 1)
        }
        let zendesk = catalog.first { $0.set.name == "zendesk" }!
        #expect(zendesk.lines.contains { $0.hasPrefix("  tickets") && $0.contains("→ tickets") && $0.hasSuffix("tickets.yaml") })
    }
}
