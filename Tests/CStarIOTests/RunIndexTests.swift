@testable import CStarIO
import Foundation
import Testing

/// The run's on-disk index (a real SQLite file): lookups by key, children by parent in order, what became of
/// parents, latest versions, canonical keys and the dedupe of first-seen values.
@Suite("Run index")
struct RunIndexTests {
    static func index() throws -> RunIndex {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cstar-io-runindex-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try RunIndex(path: dir.appendingPathComponent("index.sqlite").path)
    }

    static func reader(_ lines: [String], name: String = "records.ndjson") throws -> NDJSONRecordReader {
        try NDJSONRecordReader(path: TestFiles.write(lines.joined(separator: "\n") + "\n", name: name))
    }

    static func source(parentKey: String, unnest: String? = nil, conditions: [Condition] = []) -> ChildSource {
        ChildSource(spec: SourceSpec(files: ["comments.json"]), parentKey: parentKey, unnest: unnest, conditions: conditions)
    }

    @Test func sourceRecordsAreFoundByKeyAndTheLastCopyOfAKeyWins() throws {
        let index = try Self.index()
        var reader = try Self.reader([
            #"{"id": 1, "name": "Ada", "role": "end-user"}"#,
            #"{"name": "no id: not indexed"}"#,
            #"{"id": "2", "name": "Bo"}"#,
            #"{"id": 1, "name": "Ada L.", "role": "agent"}"#,
        ])
        #expect(try index.buildSourceIndex(name: "users", reader: &reader, keyPath: "id") == 3)
        #expect(try index.sourceRecord(index: "users", key: "1")?["name"] == .string("Ada L."))
        #expect(try index.sourceRecord(index: "users", key: "1")?["role"] == .string("agent"))
        // Keys are compared as text: the number 2 and the string "2" are one key.
        #expect(try index.sourceRecord(index: "users", key: "2")?["name"] == .string("Bo"))
        #expect(try index.sourceRecord(index: "users", key: "3") == nil)
        #expect(try index.sourceRecord(index: "organizations", key: "1") == nil)
    }

    @Test func childrenComeInTheirOrderFieldThenFileOrderAndADuplicateKeyIsCountedOnce() throws {
        let index = try Self.index()
        var reader = try Self.reader([
            #"{"id": 11, "ticket_id": 7, "created_at": "2025-01-03T00:00:00Z", "body": "third"}"#,
            #"{"id": 12, "ticket_id": 7, "created_at": "2025-01-01T00:00:00Z", "body": "first"}"#,
            #"{"id": 13, "ticket_id": 8, "created_at": "2025-01-01T00:00:00Z", "body": "other ticket"}"#,
            #"{"id": 14, "ticket_id": 7, "body": "no time: after the dated ones"}"#,
            #"{"id": 12, "ticket_id": 7, "created_at": "2025-01-01T00:00:00Z", "body": "first, again (an audit's copy)"}"#,
            #"{"id": 15, "body": "no parent"}"#,
        ], name: "comments.ndjson")
        let result = try index.buildChildIndex(entity: "tickets", child: "comments", reader: &reader, source: Self.source(parentKey: "ticket_id"),
                                               childKey: "id", order: ["created_at"])
        #expect(result.indexed == 4)
        #expect(result.duplicates == 1)
        #expect(result.problems.count == 1)
        #expect(result.problems.first?.line == 6)
        #expect(result.problems.first?.message.contains("has no 'ticket_id'") == true)
        let children = try index.children(entity: "tickets", child: "comments", parentKey: "7")
        #expect(children.map { $0.value(at: "body")?.scalarText } == ["first", "third", "no time: after the dated ones"])
        #expect(children.map(\.location.line) == [2, 1, 4])
        #expect(children.map(\.location.index) == [1, 2, 3])
        #expect(try index.children(entity: "tickets", child: "comments", parentKey: "8").count == 1)
        #expect(try index.children(entity: "tickets", child: "comments", parentKey: "9").isEmpty)
    }

    @Test func unnestedChildrenInheritTheirRecordsFieldsAndMeetTheConditions() throws {
        let index = try Self.index()
        // An audit: its events are the children, comments only, each with the audit's ticket_id and created_at.
        var reader = try Self.reader([
            #"{"id": 100, "ticket_id": 7, "created_at": "2025-01-02T00:00:00Z", "events": [{"id": 1, "type": "Comment", "body": "hi"}, {"id": 2, "type": "Change", "field_name": "status"}, {"id": 3, "type": "Comment", "body": "again", "created_at": "2025-01-01T00:00:00Z"}]}"#,
        ], name: "audits.ndjson")
        let comment = Condition(field: "type", test: .equals(.string("Comment")), line: 1)
        let result = try index.buildChildIndex(entity: "tickets", child: "comments", reader: &reader,
                                               source: Self.source(parentKey: "ticket_id", unnest: "events", conditions: [comment]),
                                               childKey: "id", order: ["created_at"])
        #expect(result.indexed == 2)
        let children = try index.children(entity: "tickets", child: "comments", parentKey: "7")
        #expect(children.map { $0.value(at: "body")?.scalarText } == ["again", "hi"])
        // The event's own created_at wins over the audit's; a field the event lacks comes from the audit.
        #expect(children.map { $0.value(at: "created_at")?.scalarText } == ["2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"])
        #expect(children.map(\.location.pointer) == ["/events/2", "/events/0"])
        #expect(children[0].value(at: "events") == nil)
    }

    @Test func childrenNoMappedParentTookAreReportedWithTheirParentsOutcome() throws {
        let index = try Self.index()
        var reader = try Self.reader([
            #"{"ticket_id": 1, "body": "a"}"#, #"{"ticket_id": 2, "body": "b"}"#, #"{"ticket_id": 2, "body": "c"}"#,
            #"{"ticket_id": 3, "body": "d"}"#, #"{"ticket_id": 4, "body": "e"}"#,
        ], name: "comments.ndjson")
        _ = try index.buildChildIndex(entity: "tickets", child: "comments", reader: &reader, source: Self.source(parentKey: "ticket_id"),
                                      childKey: nil, order: [])
        // Ticket 1 mapped (then a copy of it was rejected: it keeps its children); 2 rejected; 3 skipped; 4 not in the export.
        try index.registerParents(entity: "tickets", [(key: "1", outcome: "mapped"), (key: "2", outcome: "rejected"), (key: "3", outcome: "skipped")])
        try index.registerParents(entity: "tickets", [(key: "1", outcome: "rejected")])
        let unclaimed = try index.unclaimedChildren(entity: "tickets", child: "comments")
        #expect(unclaimed.map(\.parentKey) == ["2", "3", "4"])
        #expect(unclaimed.map(\.outcome) == ["rejected", "skipped", nil])
        #expect(unclaimed.map(\.count) == [2, 1, 1])
        #expect(unclaimed.map(\.line) == [2, 4, 5])
    }

    @Test func theLatestVersionOfAKeyIsTheGreatestAndTheLastReadOnATie() throws {
        let index = try Self.index()
        var reader = try Self.reader([
            #"{"id": 1, "updated_at": "2025-01-02T00:00:00Z"}"#,
            #"{"id": 1, "updated_at": "2025-01-05T00:00:00Z"}"#,
            #"{"id": 1, "updated_at": "2025-01-03T00:00:00Z"}"#,
            #"{"id": 2, "updated_at": "2025-01-01T00:00:00Z"}"#,
            #"{"id": 2, "updated_at": "2025-01-01T00:00:00Z"}"#,
            #"{"updated_at": "2025-01-01T00:00:00Z"}"#,
        ], name: "tickets.ndjson")
        let built = try index.buildLatest(entity: "tickets", reader: &reader, keyPath: "id", versionPaths: ["updated_at"])
        #expect(built.records == 5)
        #expect(built.keys == 2)
        #expect(try index.latest(entity: "tickets", key: "1")?.line == 2)
        #expect(try index.latest(entity: "tickets", key: "2")?.line == 5)
        #expect(try index.latest(entity: "tickets", key: "3") == nil)
    }

    @Test func canonicalKeysAndFirstSeenValues() throws {
        let index = try Self.index()
        try index.registerKeys(entity: "customers", [(key: "10", canonical: "10"), (key: "11", canonical: "10")])
        #expect(try index.canonicalKey(entity: "customers", key: "11") == "10")
        #expect(try index.canonicalKey(entity: "customers", key: "12") == nil)
        #expect(try index.canonicalKey(entity: "tickets", key: "10") == nil)

        let first = SourceLocation(file: "users.json", line: 3, index: 3)
        #expect(try index.firstSeen(entity: "customers", value: "ada@example.com", location: first, key: "10") == nil)
        let again = try index.firstSeen(entity: "customers", value: "ada@example.com", location: SourceLocation(file: "users.json", line: 9, index: 9), key: "11")
        #expect(again?.0 == first)
        #expect(again?.1 == "10")
        #expect(try index.firstSeen(entity: "groups", value: "ada@example.com", location: first, key: "1") == nil)
    }

    @Test func aNewIndexReplacesAnOldFileAndIsRemovedWithIt() throws {
        let path: String
        do {
            let index = try Self.index()
            path = index.path
            try index.registerKeys(entity: "customers", [(key: "1", canonical: "1")])
            let again = try RunIndex(path: path)
            #expect(try again.canonicalKey(entity: "customers", key: "1") == nil, "a run starts from an empty index")
        }
        #expect(!FileManager.default.fileExists(atPath: path), "the scratch index is removed when the run lets go of it")
    }
}
