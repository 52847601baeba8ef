import CStarIO
import Foundation
import Testing

@Suite("JSON record reader")
struct JSONRecordReaderTests {
    func readAll(_ path: String, records: String? = nil) throws -> [Record] {
        var reader = try JSONRecordReader(path: path, recordsPath: records)
        var out: [Record] = []
        while let item = try reader.next() {
            guard case .record(let r) = item else { Issue.record("unexpected \(item)"); continue }
            out.append(r)
        }
        return out
    }

    @Test func readsTheZendeskPageShapeWithLines() throws {
        let path = try TestFiles.write("""
            {"users": [
              {"id": 1, "name": "Ann"},
              {"id": 2,
               "name": "Bob \\u00e9\\ud83d\\ude00", "tags": ["a", "b"], "x": {"y": [1.5, -2e3, true, null]}}
            ], "next_page": null, "count": 2}
            """)
        let records = try readAll(path, records: "users")
        #expect(records.count == 2)
        #expect(records.map(\.location.line) == [2, 3])
        #expect(records.map(\.location.index) == [1, 2])
        #expect(records[1].fields["name"] == .string("Bob é😀"))
        #expect(records[1].value(at: "x.y.0") == .double(1.5))
        #expect(records[1].value(at: "x.y.1") == .double(-2000))
        #expect(records[0].fields["id"] == .int(1))
    }

    @Test func findsRecordsByPointerAfterOtherKeysAndInTopLevelArrays() throws {
        let nested = try TestFiles.write(#"{"meta": {"n": [1, {"deep": []}]}, "data": {"items": [{"a": 1}, {"a": 2}], "more": false}}"#)
        #expect(try readAll(nested, records: "/data/items").count == 2)
        let array = try TestFiles.write(#"[{"a": 1}, {"a": 2}, {"a": 3}]"#)
        #expect(try readAll(array).count == 3)
        let firstArray = try TestFiles.write(#"{"count": 1, "tickets": [{"id": 9}]}"#)
        #expect(try readAll(firstArray).first?.fields["id"] == .int(9))
        #expect(try readAll(try TestFiles.write("")).isEmpty)
    }

    @Test(arguments: [
        (#"{"users": [{"id": 1}, {"id": 2"#, 1, "end of file"),
        ("{\"users\": [{\"id\": 1},\n{\"id\": 2,, }]}", 2, "expected a quoted key"),
        ("{\"users\": [{\"id\": 1}\n{\"id\": 2}]}", 2, "expected ',' or ']'"),
        ("{\"users\": [{\"name\": \"unterminated\n\"}]}", 1, "line break inside a string"),
        (#"{"users": [{"n": 01}]}"#, 1, "leading zero"),
    ])
    func malformedInputGivesADiagnosticWithTheLine(text: String, line: Int, fragment: String) throws {
        let path = try TestFiles.write(text)
        do {
            _ = try readAll(path, records: "users")
            Issue.record("expected an error")
        } catch let e as ReaderError {
            #expect(e.line == line, "\(e)")
            #expect(e.description.contains(fragment), "\(e)")
            #expect(e.description.hasPrefix(path))
        }
    }

    /// A page of another kind, or a non-object where a record belongs, loses nothing silently but stops nothing either.
    @Test func otherPagesAreSkippedWithAWarningAndNonObjectsAreProblems() throws {
        var other = try JSONRecordReader(path: try TestFiles.write(#"{"other": [1], "next_page": null}"#), recordsPath: "users")
        guard case .warning(let w)? = try other.next() else { Issue.record("expected a warning"); return }
        #expect(w.message.contains("'other'") && w.message.contains("skipped"), "\(w)")
        #expect(try other.next() == nil)
        var numbers = try JSONRecordReader(path: try TestFiles.write(#"{"users": [1, {"id": 2}]}"#), recordsPath: "users")
        guard case .problem(let p)? = try numbers.next() else { Issue.record("expected a problem"); return }
        #expect(p.message.contains("expected an object") && p.message.contains("/users/0"), "\(p)")
        guard case .record(let r)? = try numbers.next() else { Issue.record("expected the second record"); return }
        #expect(r.location.pointer == "/users/1")
        #expect(r.location.description.hasSuffix(":1 /users/1"))
    }

    /// Numbers no Int64 or Double holds stay as their text: the file goes on, and only a rule that needs the number
    /// rejects its record.
    @Test func numbersOutOfRangeAreKeptAsTextAndTheFileGoesOn() throws {
        let path = try TestFiles.write(#"[{"id": 1, "n": 1e999999, "big": 123456789012345678901234567890}, {"id": 2, "n": 5}]"#)
        let records = try readAll(path)
        #expect(records.count == 2)
        #expect(records[0].fields["n"] == .string("1e999999"))
        #expect(records[0].fields["big"] == .string("123456789012345678901234567890"), "a 30-digit id passes through whole")
        #expect(throws: (any Error).self) { try Mapper.applyForTesting(.number, records[0].fields["n"]!) }
        #expect(try Mapper.applyForTesting(.number, records[1].fields["n"]!) == .int(5))
    }

    @Test func recordsLargerThanTheReadBufferAreReadWhole() throws {
        let big = String(repeating: "x", count: 3_000_000)
        let path = try TestFiles.write("[{\"body\": \"\(big)\"}, {\"body\": \"small\"}]")
        let records = try readAll(path)
        #expect(records.count == 2)
        #expect(records[0].fields["body"]?.stringValue?.count == 3_000_000)
    }

    @Test func serializerRoundTrips() throws {
        let value: JSONValue = .object(JSONObject([
            ("s", .string("quote \" backslash \\ newline \n tab \t ctrl \u{01} é")), ("n", .int(-5)), ("d", .double(1.25)),
            ("a", .array([.bool(true), .null])), ("o", .object(JSONObject([("k", .string("v"))]))),
        ]))
        #expect(try JSONParser.parse(JSONSerializer.string(value)) == value)
        let foundation = try JSONSerialization.jsonObject(with: Data(JSONSerializer.bytes(value))) as? [String: Any]
        #expect(foundation?["s"] as? String == "quote \" backslash \\ newline \n tab \t ctrl \u{01} é")
    }
}
