import CStarIO
import Foundation
import Logging
import Testing

@Suite("Bulk edits: value typing, call formation, undo values")
struct BulkPlanTests {
    @Test(arguments: [
        ("status=closed", "status", JSONValue.string("closed")),
        ("priority=high", "priority", .string("high")),
        ("isPublic=false", "isPublic", .bool(false)),
        ("notes=null", "notes", .null),
        ("count=42", "count", .int(42)),
        (#"tags=["vip","refund"]"#, "tags", .array([.string("vip"), .string("refund")])),
        (#"name="123""#, "name", .string("123")),
        ("notes=a=b", "notes", .string("a=b")),
        ("notes=[not json", "notes", .string("[not json")),
        ("title=true story", "title", .string("true story")),
    ])
    func setValuesAreTypedLikeJSONOrText(text: String, field: String, value: JSONValue) throws {
        let (f, v) = try BulkSpec.parseAssignment(text)
        #expect(f == field)
        #expect(v == value)
    }

    @Test func assignmentWithoutEqualsIsRefused() {
        #expect(throws: BulkSpecError.self) { try BulkSpec.parseAssignment("status") }
        #expect(throws: BulkSpecError.self) { try BulkSpec.parseFilter("=x") }
    }

    static func planner(_ journal: BulkJournal) throws -> BulkPlanner {
        let target = try CStarTarget(baseURL: "http://127.0.0.1:1/api/v1/teams/t", key: try APIKey("sk_test_0123456789abcdef"))
        return BulkPlanner(client: CStarClient(target: target, logger: Logger(label: "test")), journal: journal, logger: Logger(label: "test"))
    }

    @Test(arguments: [(250, [100, 100, 50]), (100, [100]), (101, [100, 1]), (1, [1])])
    func deletesAreCutIntoCallsOfAtMost100(count: Int, sizes: [Int]) throws {
        let journal = try BulkJournal()
        let run = try journal.startRun(kind: .delete, resource: "tickets", fingerprint: "f", target: "t", description: "d")
        try journal.addItems(run, (0..<count).map { ("tkt_\($0)", nil, nil) })
        #expect(try Self.planner(journal).formCalls(runId: run, resource: .tickets, action: .delete) == sizes.count)
        let calls = try journal.calls(run)
        #expect(calls.map(\.items) == sizes)
        let ids = try calls.flatMap { try JSONParser.parse($0.body)["ids"]?.arrayValue ?? [] }.compactMap(\.stringValue)
        #expect(ids == (0..<count).map { "tkt_\($0)" }, "every id once, in order")
        #expect(Set(calls.map(\.idempotencyKey)).count == calls.count)
    }

    @Test func updatesGroupIdenticalChangesAndFormTheSameCallsEveryTime() throws {
        func plan() throws -> [(items: Int, body: String, key: String)] {
            let journal = try BulkJournal()
            let run = try journal.startRun(kind: .update, resource: "customers", fingerprint: "f", target: "t", description: "d")
            let a = Canonical.json(.object(JSONObject([("status", .string("inactive")), ("sentiment", .string("negative"))])))
            let b = Canonical.json(.object(JSONObject([("sentiment", .string("negative")), ("status", .string("inactive"))])))
            let c = Canonical.json(.object(JSONObject([("status", .string("active"))])))
            // 150 rows of one change set (written in two key orders), 30 of another, interleaved.
            try journal.addItems(run, (0..<180).map { i in ("cus_\(i)", i % 6 == 5 ? c : (i % 2 == 0 ? a : b), nil) })
            _ = try Self.planner(journal).formCalls(runId: run, resource: .customers, action: .update)
            // The run id is part of the key; compare the rest (call index and payload hash).
            return try journal.calls(run).map { ($0.items, $0.body, $0.idempotencyKey.split(separator: "_").suffix(2).joined(separator: "_")) }
        }
        let first = try plan()
        #expect(first.map(\.items) == [100, 50, 30])
        let data = try first.map { try JSONParser.parse($0.body)["data"] }
        #expect(data[0] == data[1])
        #expect(data[2]?["status"] == .string("active"))
        let second = try plan()
        #expect(first.map(\.body) == second.map(\.body))
        #expect(first.map(\.key) == second.map(\.key))
    }

    @Test func restoreSendsPriorValuesOfChangedFieldsOnly() {
        let before = JSONObject([("status", .string("active")), ("notes", .null), ("tags", .array([.string("a")])),
                                 ("metadata", .object(JSONObject([("plan", .string("gold"))]))), ("name", .string("Ann"))])
        let changes = JSONObject([("status", .string("inactive")), ("notes", .string("x")), ("tags", .array([])), ("sentiment", .string("angry")),
                                  ("metadata", .object(JSONObject([("plan", .string("none")), ("bulk", .bool(true))])))])
        let r = BulkUndoPlanner.restore(changes: changes, before: before)
        #expect(r["status"] == .string("active"))
        #expect(r["notes"] == .null)
        #expect(r["tags"] == .array([.string("a")]))
        #expect(r["sentiment"] == .null, "a field the record did not have goes back to null")
        #expect(r["metadata"] == .object(JSONObject([("plan", .string("gold")), ("bulk", .null)])), "keys the edit added are removed")
        #expect(r["name"] == nil, "fields the run did not change are not sent")
    }

    @Test func recreationDropsServerFieldsAndKeepsTheThread() {
        let before = JSONObject([("id", .string("tkt_1")), ("object", .string("ticket")), ("title", .string("T")), ("messageCount", .int(1)),
                                 ("createdAt", .string("2025-01-01T00:00:00.000Z")),
                                 ("messages", .array([.object(JSONObject([("id", .string("msg_1")), ("ticketId", .string("tkt_1")),
                                                                           ("content", .string("hi")), ("sender", .string("customer"))]))]))])
        let r = BulkUndoPlanner.recreation(of: before, resource: .tickets)
        #expect(r.keys == ["title", "createdAt", "messages"])
        #expect(r["messages"] == .array([.object(JSONObject([("content", .string("hi")), ("sender", .string("customer"))]))]))
    }

    @Test func idsCompareByTheirUUID() {
        #expect(BulkPlanner.normalizedId("cus_7c9e667974254de0944be07fc1f90ae7") == BulkPlanner.normalizedId("7C9E6679-7425-4DE0-944B-E07FC1F90AE7"))
        #expect(BulkPlanner.normalizedId("cus_1") != BulkPlanner.normalizedId("cus_2"))
    }
}
