import CStarIO
import Foundation
import Testing

/// A resolver with a fixed little world: users 1 (end-user) and 2 (agent), customer 1 mapped, one member.
struct FakeResolver: MappingResolver {
    func lookup(index: String, key: String) throws -> JSONObject? {
        guard index == "users" else { return nil }
        switch key {
        case "1": return JSONObject([("name", .string("Ann")), ("role", .string("end-user")), ("email", .string("ann@example.com"))])
        case "2": return JSONObject([("name", .string("Bo")), ("role", .string("agent")), ("email", .string("bo@example.com"))])
        default: return nil
        }
    }
    func ref(entity: String, key: String) throws -> JSONValue? { entity == "customers" && key == "1" ? .string("cus_1") : nil }
    func member(email: String) throws -> JSONValue? { email == "bo@example.com" ? .string("mem_bo") : nil }
    func children(of entity: String, child: String, parentKey: String) throws -> [Record] { [] }
}

@Suite("Transforms and policies")
struct TransformTests {
    static let record = Record(fields: JSONObject([("id", .int(7)), ("first", .string("Zoë")), ("last", .string("Kim")), ("type", .string("task"))]),
                               location: SourceLocation(file: "t.json", line: 3, index: 1))

    @Test(arguments: [
        (Transform.date(.auto), JSONValue.string("2025-03-14T09:21:07Z"), JSONValue.string("2025-03-14T09:21:07Z")),
        (.date(.auto), .string("2025-03-14T11:21:07+02:00"), .string("2025-03-14T09:21:07Z")),
        (.date(.auto), .string("2025-03-14 09:21"), .string("2025-03-14T09:21:00Z")),
        (.date(.zendesk), .string("2025-03-14 09:21:05"), .string("2025-03-14T09:21:05Z")),
        (.date(.auto), .string("2025-03-14"), .string("2025-03-14T00:00:00Z")),
        (.date(.epoch), .int(1741944067), .string("2025-03-14T09:21:07Z")),
        (.date(.auto), .string("1741944067000"), .string("2025-03-14T09:21:07Z")),
        (.not, .bool(true), .bool(false)),
        (.not, .string("no"), .bool(true)),
        (.slug, .string("Reason for contact (v2)"), .string("reason_for_contact_v2")),
        (.template("{{first}} {{last}} #{{id}}"), .null, .string("Zoë Kim #7")),
        (.template("[{{value}}]"), .string("x"), .string("[x]")),
        (.append("type:{{type}}"), .array([.string("a")]), .array([.string("a"), .string("type:task")])),
        (.append("type:{{missing}}"), .array([.string("a")]), .array([.string("a")])),
        (.append("t"), .null, .array([.string("t")])),
        (.htmlToText, .string("<p>Hi&nbsp;there,</p><p>Line<br>two &amp; <b>bold</b></p><ul><li>a</li><li>b</li></ul>"),
         .string("Hi there,\n\nLine\ntwo & bold\n\n- a\n- b")),
        (.htmlToMarkdown, .string("<h2>Title</h2><p>See <a href=\"https://x.test/a\">the <em>guide</em></a> and <strong>act</strong>.</p><ol><li>one</li><li>two</li></ol><img src=\"/i.png\" alt=\"pic\">"),
         .string("## Title\n\nSee [the _guide_](https://x.test/a) and **act**.\n\n1. one\n2. two\n\n![pic](/i.png)")),
        (.htmlToMarkdown, .string("<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>"),
         .string("| A | B |\n| --- | --- |\n| 1 | 2 |")),
        (.lookup(index: "users", field: "name", onMissing: .null), .int(2), .string("Bo")),
        (.lookup(index: "users", field: "name", onMissing: .null), .int(9), .null),
        (.lookup(index: "users", field: "name", onMissing: .keep), .int(9), .int(9)),
        (.ref(entity: "customers", onMissing: .null), .string("1"), .string("cus_1")),
        (.ref(entity: "customers", onMissing: .null), .string("2"), .null),
        (.member(onMissing: .null), .string("bo@example.com"), .string("mem_bo")),
        (.member(onMissing: .keep), .string("x@example.com"), .string("x@example.com")),
        (.zendeskIntervals, .array([.object(JSONObject([("start_time", .int(1980)), ("end_time", .int(2460))]))]),
         .object(JSONObject(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map { day in
             (day, .object(JSONObject([("enabled", .bool(day == "monday")), ("start", .string("09:00")), ("end", .string("17:00"))])))
         }))),
    ])
    func transformsWithContext(t: Transform, input: JSONValue, expected: JSONValue) throws {
        #expect(try Mapper.applyForTesting(t, input, record: Self.record, resolver: FakeResolver()) == expected)
    }

    @Test(arguments: [
        (Transform.date(.auto), JSONValue.string("next tuesday")),
        (.date(.iso8601), .string("2025-13-01")),
        (.lookup(index: "users", field: "name", onMissing: .reject), .int(9)),
        (.ref(entity: "customers", onMissing: .reject), .string("2")),
        (.member(onMissing: .reject), .string("nobody@example.com")),
        (.zendeskIntervals, .string("not a list")),
    ])
    func rejectPoliciesRejectWithAReason(t: Transform, input: JSONValue) {
        #expect(throws: (any Error).self) { try Mapper.applyForTesting(t, input, record: Self.record, resolver: FakeResolver()) }
    }

    @Test func pathSelectorsAndPlucking() {
        let r = Record(fields: JSONObject([
            ("custom_fields", .array([.object(JSONObject([("id", .int(1)), ("value", .string("a"))])),
                                      .object(JSONObject([("id", .int(2)), ("value", .string("b"))]))])),
            ("Plan [list]", .string("gold")), ("a.b", .string("dotted key")),
        ]), location: SourceLocation(file: "", line: 1, index: 1))
        #expect(r.value(at: "custom_fields[id=2].value") == .string("b"))
        #expect(r.value(at: "custom_fields[id=3].value") == nil)
        #expect(r.value(at: "custom_fields.value") == .array([.string("a"), .string("b")]))
        #expect(r.value(at: "Plan [list]") == .string("gold"))
        #expect(r.value(at: "a.b") == .string("dotted key"))
    }

    @Test(arguments: [
        ("fields:\n  x: { from: a, transform: [{ lookup: { index: users, field: name } }] }\n", "fields.x", "does not declare"),
        ("fields:\n  x: { from: a, transform: [{ ref: customers, onMissing: maybe }] }\n", "fields.x.transform[0].onMissing", "unknown policy"),
        ("fields:\n  x: { from: a, transform: [{ date: someday }] }\n", "fields.x.transform[0].date", "unknown date format"),
        ("fields:\n  x: a\nchildren:\n  messages:\n    source: { files: [c.json] }\n    fields: { content: body }\n", "children.messages.parentKey", "parentKey"),
    ])
    func newMappingKeysAreCheckedToo(tail: String, key: String, fragment: String) {
        let yaml = "version: 1\nentity: e\ntarget: tickets\nsource:\n  files: [t.json]\nkey: id\n" + tail
        do {
            _ = try EntityMapping.parse(yaml: yaml, file: "m.yaml")
            Issue.record("expected errors")
        } catch let e as MappingErrors {
            let hit = e.errors.first { $0.key == key }
            #expect(hit != nil, "\(e)")
            #expect(hit?.message.contains(fragment) == true, "\(e)")
            #expect((hit?.line ?? 0) > 6, "\(e)")
        } catch {
            Issue.record("\(error)")
        }
    }
}

@Suite("Mapping sets")
struct MappingSetTests {
    @Test func referencesToUndefinedEntitiesAreErrorsBeforeAnyRecordIsRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("set-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "version: 1\nentity: tickets\ntarget: tickets\nsource:\n  files: [t.json]\nkey: id\nfields:\n  customerId:\n    from: requester_id\n    transform: [{ ref: custmers }]\n"
            .write(to: dir.appendingPathComponent("tickets.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try MappingSet.load(directory: dir.path)
            Issue.record("expected an error")
        } catch let e as MappingErrors {
            let err = try #require(e.errors.first)
            #expect(err.key == "fields.customerId")
            #expect(err.line == 9, "the rule's first line")
            #expect(err.file.hasSuffix("tickets.yaml"))
            #expect(err.message.contains("'custmers'"))
        }
    }

    @Test func theShippedZendeskSetLoads() throws {
        let set = try MappingSet.load(directory: TestFiles.repoRoot.appendingPathComponent("Mappings/zendesk").path)
        #expect(set.entities.count == 18, "memberships from organization_memberships.json and, as its fallback, from users; the XML export's four stand-ins")
        let standIns = Dictionary(set.entities.compactMap { m in m.fallbackFor.map { (m.entity, $0) } }, uniquingKeysWith: { a, _ in a })
        #expect(standIns == ["tickets-xml": "tickets", "customers-xml": "customers", "organizations-xml": "organizations",
                             "memberships-xml": "memberships-users", "memberships-users": "memberships",
                             "tickets-csv": "tickets-xml", "customers-csv": "customers-xml"])
        #expect(set.entities.first?.target == .customFields)
        #expect(set.entities.last?.target == .settings)
    }
}

@Suite("Request budget")
struct RequestBudgetTests {
    final class FakeClock: @unchecked Sendable {
        var t = 1_800_000_000.0
        var slept: [Double] = []

        /// A budget whose waits advance this clock instead of sleeping.
        func budget(maxRequestsPerHour: Int? = nil) -> RequestBudget {
            RequestBudget(maxRequestsPerHour: maxRequestsPerHour, sleep: { d in
                let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
                self.slept.append(s); self.t += s
            }, now: { self.t })
        }
    }

    @Test func waitsForTheResetWhenTheServerSaysNoneRemain() async throws {
        let clock = FakeClock()
        let budget = clock.budget()
        try await budget.acquire()
        await budget.update(limit: "2", remaining: "1", reset: String(Int(clock.t) + 30))
        try await budget.acquire()  // the last one in the window: no wait
        #expect(clock.slept.isEmpty)
        await budget.update(limit: "2", remaining: "0", reset: String(Int(clock.t) + 30))
        try await budget.acquire()
        #expect(clock.slept.count == 1)
        #expect(abs(clock.slept[0] - 31) < 0.01, "until the reset, plus a second for its rounding")
    }

    @Test func theOwnCapHoldsPerHour() async throws {
        let clock = FakeClock()
        let budget = clock.budget(maxRequestsPerHour: 3)
        for _ in 0..<3 { try await budget.acquire(); clock.t += 10 }
        #expect(clock.slept.isEmpty)
        try await budget.acquire()
        #expect(clock.slept.count == 1)
        #expect(abs(clock.slept[0] - 3570) < 0.01)
        #expect(await budget.waits == 1)
    }

    @Test func anOlderAnswerArrivingLateDoesNotRaiseTheCount() async throws {
        let clock = FakeClock()
        let budget = clock.budget()
        let reset = String(Int(clock.t) + 60)
        // Two requests in flight; the later answer (0 left) arrives before the earlier one (1 left).
        try await budget.acquire()
        try await budget.acquire()
        await budget.update(limit: "2", remaining: "0", reset: reset)
        await budget.update(limit: "2", remaining: "1", reset: reset)
        #expect(budget.remainingSnapshot == 0)
        try await budget.acquire()
        #expect(clock.slept.count == 1, "waits for the reset instead of sending into a 429")
        // A new window's answer is taken as it is.
        await budget.update(limit: "2", remaining: "1", reset: String(Int(clock.t) + 3600))
        #expect(budget.remainingSnapshot == 1)
    }
}

@Suite("Checkpoint store")
struct CheckpointStoreTests {
    @Test func aResumedRunThatFormsOtherBatchesIsStopped() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cp-\(UUID().uuidString).sqlite").path
        let store = try CheckpointStore(path: path)
        let run = try store.startRun(fingerprint: "f", source: "s", target: "t")
        try store.markSent(runId: run, entity: "tickets", index: 0, key: "k", records: 2, recordsHash: "aaaa")
        try store.commit(runId: run, entity: "tickets", index: 0, outcome: "{}", target: "t", ids: [])
        #expect(try store.committedOutcome(runId: run, entity: "tickets", index: 0, recordsHash: "aaaa") == "{}")
        #expect(throws: CheckpointStore.BatchChanged.self) {
            _ = try store.committedOutcome(runId: run, entity: "tickets", index: 0, recordsHash: "bbbb")
        }
        #expect(try store.formedBatch(runId: run, entity: "tickets", index: 0) == 2, "a resumed run cuts batch 0 where it was cut")
        #expect(try store.formedBatch(runId: run, entity: "tickets", index: 1) == nil)
        // A batch sent but not committed may be formed again with other records: nothing of it counts yet.
        try store.markSent(runId: run, entity: "tickets", index: 1, key: "k1", records: 2, recordsHash: "cccc")
        try store.markSent(runId: run, entity: "tickets", index: 1, key: "k1b", records: 3, recordsHash: "dddd")
        #expect(try store.formedBatch(runId: run, entity: "tickets", index: 1) == 3)
    }

    @Test func naturalKeysReconcileWhatWasFound() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cp-\(UUID().uuidString).sqlite").path
        let store = try CheckpointStore(path: path)
        let run = try store.startRun(fingerprint: "f", source: "s", target: "t")
        try store.markSent(runId: run, entity: "tickets", index: 0, key: "k", records: 3, recordsHash: "h")
        try store.commit(runId: run, entity: "tickets", index: 0, outcome: "{}", target: "t", ids: [], naturalKeys: [
            .init(sourceKey: "1", natural: "1", messages: 5), .init(sourceKey: "2", natural: "2", messages: 2), .init(sourceKey: "3", natural: "3", messages: nil),
        ])
        try store.matchNaturalKeys(runId: run, entity: "tickets", [("1", "tkt_a", 5), ("2", "tkt_b", 1), ("9", "tkt_z", 0)])
        let tally = try store.finishNaturalKeys(runId: run, entity: "tickets", target: "t")
        #expect(tally.delivered == 3 && tally.found == 2 && tally.messageMismatches == 1, "\(tally)")
        #expect(try store.missingNaturalKeys(runId: run, entity: "tickets") == ["3"])
        #expect(try store.cstarId(target: "t", entity: "tickets", sourceKey: "1") == "tkt_a")
    }
}
