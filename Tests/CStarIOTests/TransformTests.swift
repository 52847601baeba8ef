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
