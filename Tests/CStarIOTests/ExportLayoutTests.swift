@testable import CStarIO
import Foundation
import Logging
import Testing

/// A folder of export files and mapping files, run through the pipeline into a collecting sink.
struct MiniExport {
    let dir: URL

    init(_ files: [String: String]) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("mini-\(UUID().uuidString)")
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    func run(_ mappings: [String], coverage: Bool = false) async throws -> (MigrationSummary, CollectingSink, [JSONValue]) {
        let entities = try mappings.enumerated().map { i, yaml in try EntityMapping.parse(yaml: yaml, file: "m\(i).yaml") }
        let sink = CollectingSink()
        let pipeline = try Pipeline(exportDirectory: dir.path, stateDirectory: dir.appendingPathComponent(".state").path, sink: sink,
                                    logger: Logger(label: "test"))
        pipeline.collectsCoverage = coverage
        let summary = try await pipeline.run(entities)
        let text = (try? String(contentsOfFile: pipeline.rejectsPath, encoding: .utf8)) ?? ""
        return (summary, sink, try text.split(separator: "\n").map { try JSONParser.parse(String($0)) })
    }
}

@Suite("Export layouts: files found by content and by name patterns")
struct ExportLayoutTests {
    @Test func filePatternsCaptureFieldsFromNamesAndFolders() throws {
        let export = try MiniExport([
            "ticket_comments-12.json": "{}", "tickets/34/comments.json": "{}", "tickets/34/other.json": "{}",
            "tickets/notes.txt": "", "ticket_comments.json": "{}",
        ])
        let found = SourceFiles.matches(["ticket_comments-{ticket_id}.json", "tickets/{ticket_id}/comments.json", "../x.json", "/etc/passwd"],
                                        in: export.dir.path)
        #expect(found.map { ($0.path as NSString).lastPathComponent } == ["ticket_comments-12.json", "comments.json"])
        #expect(found.map(\.fields) == [["ticket_id": "12"], ["ticket_id": "34"]])
    }

    @Test func symbolicLinksOutOfTheExportFolderAreNotFollowed() throws {
        let outside = try MiniExport(["secret.json": "[]"])
        let export = try MiniExport(["users.json": "[]"])
        try FileManager.default.createSymbolicLink(atPath: export.dir.appendingPathComponent("users-2.json").path,
                                                   withDestinationPath: outside.dir.appendingPathComponent("secret.json").path)
        #expect(SourceFiles.resolve(["users*.json"], in: export.dir.path).map { ($0 as NSString).lastPathComponent } == ["users.json"])
    }

    func items(_ text: String, records: String?, name: String = "tickets.json") throws -> [ReadItem] {
        var reader = MultiFileReader(paths: [try TestFiles.write(text, name: name)], options: ReaderOptions(records: records))
        var out: [ReadItem] = []
        while let item = try reader.next() { out.append(item) }
        return out
    }

    @Test func ndjsonInAJSONFileIsReadLineByLineAndABadLineLosesOnlyItself() throws {
        let got = try items("{\"id\": 1, \"tags\": [\"a\"]}\n{\"id\": 2,, }\n\n{\"id\": 3}\n", records: "tickets")
        let records = got.compactMap { if case .record(let r) = $0 { return r } else { return nil } }
        let problems = got.compactMap { if case .problem(let p) = $0 { return p } else { return nil } }
        #expect(records.map { $0.fields["id"] } == [.int(1), .int(3)])
        #expect(records.map(\.location.line) == [1, 4])
        #expect(problems.map(\.line) == [2])
    }

    @Test func singleObjectResponsesAndPagesOfRecordsPerLine() throws {
        let single = try items(#"{"ticket": {"id": 7, "subject": "x"}}"#, records: "tickets")
        guard case .record(let r)? = single.first else { Issue.record("no record"); return }
        #expect(r.fields["id"] == .int(7))
        #expect(r.location.pointer == "/ticket")
        // An NDJSON file of API pages (one page per line) yields every page's records.
        let pages = try items("{\"tickets\": [{\"id\": 1}, {\"id\": 2}], \"next_page\": \"p2\"}\n{\"tickets\": [{\"id\": 3}], \"next_page\": null}\n", records: "tickets")
        let ids = pages.compactMap { if case .record(let r) = $0 { return r.fields["id"] } else { return nil } }
        #expect(ids == [.int(1), .int(2), .int(3)])
        #expect(!pages.contains { if case .warning = $0 { return true } else { return false } }, "the last page says it is the last")
    }

    @Test(arguments: [
        (#"{"tickets": [{"id": 1}], "next_page": "https://x.zendesk.com/api/v2/tickets.json?page=2", "count": 9}"#, "next_page is set"),
        (#"{"tickets": [{"id": 1}], "next_page": "https://x/incremental?start_time=9", "end_of_stream": false}"#, "end_of_stream is false"),
        (#"{"tickets": [{"id": 1}], "meta": {"has_more": true}, "links": {"next": "https://x"}}"#, "has_more"),
    ])
    func anIncompleteDumpIsAWarningNamingTheFile(text: String, reason: String) throws {
        let got = try items(text, records: "tickets")
        let warnings = got.compactMap { if case .warning(let w) = $0 { return w } else { return nil } }
        #expect(warnings.count == 1)
        #expect(warnings.first?.description.contains("tickets.json") == true && warnings.first?.message.contains(reason) == true, "\(warnings)")
    }

    @Test func theLastPageOfAnIncrementalExportIsComplete() throws {
        let got = try items(#"{"tickets": [{"id": 1}], "next_page": "https://x/incremental?start_time=9", "end_of_stream": true}"#, records: "tickets")
        #expect(!got.contains { if case .warning = $0 { return true } else { return false } })
    }

    static let tickets = """
        version: 1
        entity: tickets
        target: tickets
        source: { files: ["tickets*.json"], records: tickets }
        key: id
        fields:
          title: subject
        children:
          messages:
            key: id
            sources:
              - files: ["ticket_comments-{ticket_id}.json", comments.json]
                records: comments
                parentKey: ticket_id
            fields:
              content: { from: body, required: true }
        """

    @Test func aPageOfAnotherKindIsSkippedAndOrphanCommentsAreRejected() async throws {
        let export = try MiniExport([
            "tickets.json": #"{"tickets": [{"id": 1, "subject": "a"}, {"id": 2, "subject": "b"}], "next_page": null}"#,
            // An incremental ticket_events page caught by the tickets pattern: skipped with a warning, not fatal.
            "tickets-events.json": #"{"ticket_events": [{"id": 5, "ticket_id": 1}], "end_of_stream": true}"#,
            "ticket_comments-1.json": #"{"comments": [{"id": 10, "body": "hi"}, {"id": 11, "body": "again"}], "next_page": null}"#,
            "ticket_comments-9.json": #"{"comments": [{"id": 90, "body": "lost?"}], "next_page": null}"#,
            "comments.json": #"{"comments": [{"id": 10, "body": "hi", "ticket_id": 1}, {"id": 12}]}"#,
        ])
        let (summary, sink, rejects) = try await export.run([Self.tickets])
        let t = try #require(summary.entities.first)
        #expect(t.read == 2 && t.created == 2)
        #expect(t.warnings.contains { $0.contains("tickets-events.json") && $0.contains("ticket_events") }, "\(t.warnings)")
        // 5 comments read: 2 delivered to ticket 1, one duplicate (id 10 twice), one without a ticket, one for ticket 9.
        #expect(t.childRead == 5)
        #expect(t.childSkipped == 1)
        #expect(t.childRejected == 2)
        #expect(t.childDelivered == 2)
        #expect(sink.payloads["tickets"]?.first?["messages"]?.arrayValue?.count == 2)
        #expect(rejects.contains { $0["code"] == .string("no_parent") && ($0["reason"]?.stringValue ?? "").contains("'9'") })
        #expect(rejects.contains { ($0["reason"]?.stringValue ?? "").contains("has no 'ticket_id'") && ($0["reason"]?.stringValue ?? "").contains("/comments/1") })
    }

    @Test func csvHeadersMatchIgnoringCaseAndSpacesAndAFilterOfEveryRecordIsAWarning() async throws {
        let export = try MiniExport(["users.csv": "ID,E-Mail Address,ROLE\n1,a@x.test,end-user\n2,b@x.test,agent\n"])
        let mapping = """
            version: 1
            entity: customers
            target: customers
            source: { files: [users.csv] }
            key: id
            where:
              - field: role
                equals: end-user
            fields:
              email: e_mail_address
              name: { from: "E-Mail Address" }
            """
        let (summary, sink, _) = try await export.run([mapping])
        #expect(sink.payloads["customers"]?.map { $0["email"] } == [.string("a@x.test")])
        #expect(summary.entities.first?.warnings.isEmpty == true)
        let none = mapping.replacingOccurrences(of: "equals: end-user", with: "equals: customer")
        let (filtered, _, _) = try await export.run([none])
        #expect(filtered.entities.first?.warnings.contains { $0.contains("skipped every one of the 2 records") } == true)
    }

    @Test func coverageListsWhatIsLeftBehindAndWhatNoRecordHas() async throws {
        let export = try MiniExport(["users.csv": "id,email,name,phone\n1,a@x.test,Ann,\n2,b@x.test,Bob,555\n"])
        let mapping = """
            version: 1
            entity: customers
            target: customers
            source: { files: [users.csv] }
            key: id
            fields:
              email: email
              name: fullname
              notes: { from: remarks, optional: true }
            """
        let (summary, _, _) = try await export.run([mapping], coverage: true)
        let c = try #require(summary.entities.first?.coverage)
        #expect(c.notRead == [Coverage.Field(name: "name", records: 2), Coverage.Field(name: "phone", records: 1)])
        #expect(c.missing.count == 1 && c.missing[0].contains("'fullname'"), "\(c.missing)")
        #expect(c.available == ["id", "email", "name", "phone"])
    }

    @Test func pagesAreReadInNaturalOrderAndTheLatestVersionWinsTiesByTheNextField() async throws {
        var files: [String: String] = [:]
        for page in 1...10 {
            var tickets = [#"{"id": \#(100 + page), "subject": "p\#(page)", "status": "open", "updated_at": "2025-01-01T00:00:00Z", "generated_timestamp": \#(page)}"#]
            // Ticket 1 on page 9 (open) and page 10 (deleted, same updated_at, later generated_timestamp).
            if page == 9 { tickets.append(#"{"id": 1, "subject": "old", "status": "open", "updated_at": "2025-02-01T00:00:00Z", "generated_timestamp": 1738370000}"#) }
            if page == 10 { tickets.append(#"{"id": 1, "subject": "old", "status": "deleted", "updated_at": "2025-02-01T00:00:00Z", "generated_timestamp": 1738379999}"#) }
            files["incremental-tickets-\(page).json"] = #"{"tickets": ["# + tickets.joined(separator: ",") + #"], "end_of_stream": \#(page == 10)}"#
        }
        let export = try MiniExport(files)
        let mapping = """
            version: 1
            entity: tickets
            target: tickets
            source: { files: ["incremental-tickets-*.json"], records: tickets }
            key: id
            latestBy: [updated_at, generated_timestamp]
            where:
              - field: status
                notEquals: deleted
                reason: deleted in Zendesk
            fields:
              title: subject
            """
        let (summary, sink, _) = try await export.run([mapping])
        #expect(summary.entities.first?.files.map { ($0 as NSString).lastPathComponent }.last == "incremental-tickets-10.json")
        #expect(sink.payloads["tickets"]?.count == 10, "ticket 1 is deleted in its latest version")
        #expect(summary.entities.first?.skippedBy == ["deleted in Zendesk": 1, "superseded": 1])
    }

    @Test func customFieldKeysFromAnyScriptAndCollidingTitlesAreNeverLostSilently() async throws {
        let export = try MiniExport([
            "ticket_fields.json": #"{"ticket_fields": [{"id": 1, "title": "Номер договора", "type": "text"}, {"id": 2, "title": "Région", "type": "text"}, {"id": 3, "title": "Region", "type": "text"}]}"#,
            "tickets.json": #"{"tickets": [{"id": 7, "subject": "s", "assignee_id": 99, "custom_fields": [{"id": 1, "value": "A-1"}, {"id": 2, "value": "Nord"}, {"id": 3, "value": "North"}]}]}"#,
        ])
        let mapping = """
            version: 1
            entity: tickets
            target: tickets
            source: { files: [tickets.json], records: tickets }
            indexes:
              ticket_fields: { files: [ticket_fields.json], records: ticket_fields, key: id }
            key: id
            fields:
              title: subject
              assignedTo:
                from: assignee_id
                transform: [{ member: email, onMissing: null }]
                noteIfLost: "assignees who are no cStar member"
              customFields:
                from: custom_fields
                transform: [{ fieldValues: { index: ticket_fields, key: title, type: type } }]
            """
        let (summary, sink, _) = try await export.run([mapping])
        let fields = sink.payloads["tickets"]?.first?["customFields"]?.objectValue
        #expect(fields?["nomer_dogovora"] == .string("A-1"))
        #expect(fields?["region"] == .string("Nord"), "the first of two fields making the same key keeps its value")
        let notes = summary.entities.first?.notes ?? [:]
        #expect(notes.contains { $0.key.contains("'region'") && $0.value == 1 }, "\(notes)")
        #expect(notes["assignees who are no cStar member"] == 1)
    }
    /// `appendList` over a single object (a chat's file message, whose content is one `{name, url, type}`) renders it as a
    /// list of one; a plain text content is left as it is. `fieldValues` without an index keeps `[{code, value}]` values
    /// under their own codes (LiveAgent), counting nothing as lost.
    @Test func appendListTakesOneObjectAndFieldValuesWorksWithoutDefinitions() async throws {
        let export = try MiniExport([
            "tickets.json": #"[{"id": 1, "subject": "s", "content": "Photo attached.", "custom_fields": [{"code": "order_number", "value": "HL-1"}, {"code": "bags", "value": "40"}, {"code": "empty", "value": ""}]}, {"id": 2, "subject": "t", "content": {"name": "burr.jpg", "url": "https://x.test/burr.jpg", "type": "image/jpeg"}, "custom_fields": []}]"#,
        ])
        let mapping = """
            version: 1
            entity: tickets
            target: tickets
            source: { files: [tickets.json], records: tickets }
            key: id
            fields:
              title: subject
              notes:
                from: content
                transform:
                  - appendList: { from: content, item: "- {{name}} ({{type}}): {{url}}", header: "Attachment:", note: "files kept as links" }
              customFields:
                from: custom_fields
                transform: [{ fieldValues: { idField: code } }]
            """
        let (summary, sink, _) = try await export.run([mapping])
        let payloads = sink.payloads["tickets"] ?? []
        #expect(payloads.count == 2)
        #expect(payloads.first?["notes"] == .string("Photo attached."))
        #expect(payloads.last?["notes"] == .string("Attachment:\n- burr.jpg (image/jpeg): https://x.test/burr.jpg"))
        #expect(payloads.first?["customFields"] == .object(JSONObject([("order_number", .string("HL-1")), ("bags", .string("40"))])))
        let notes = summary.entities.first?.notes ?? [:]
        #expect(notes == ["files kept as links": 1], "\(notes)")
    }
    /// Files no mapping reads are found by walking the folder (hidden ones such as `.cstar-io` left out); a page or a
    /// single-object response of a mapped entity's records key names that entity; a file any pattern matches (an index,
    /// a child source) is claimed.
    @Test func unclaimedFilesAreFoundAndTheirRecordsKeyNamesTheEntity() throws {
        let export = try MiniExport([
            "users.json": #"{"users": [{"id": 1}]}"#,
            "roles.json": #"[{"id": 1}]"#,
            "tickets/9/comments.json": #"{"comments": []}"#,
            "zd_users_page1.json": "\u{FEFF} {\n \"users\" : [{\"id\": 2}]}",
            "user-3.json": #"{"user": {"id": 3}}"#,
            "notes.csv": "a,b\n1,2\n",
            "expected.json": #"{"customers": {"1": {}}}"#,
            ".cstar-io/rejects.ndjson": "{}\n",
            "README.md": "# hi",
        ])
        let mapping = try EntityMapping.parse(yaml: """
            version: 1
            entity: customers
            target: tickets
            source: { files: [users.json], records: users }
            indexes:
              roles: { files: [roles.json], key: id }
            key: id
            fields:
              title: email
            children:
              messages:
                sources:
                  - { files: ["tickets/{ticket_id}/comments.json"], records: comments, parentKey: ticket_id }
                fields:
                  content: body
            """, file: "customers.yaml")
        let found = UnclaimedFiles.find([mapping], in: export.dir.path)
        #expect(found.map(\.path) == ["expected.json", "notes.csv", "user-3.json", "zd_users_page1.json"], "\(found)")
        let byPath = Dictionary(uniqueKeysWithValues: found.map { ($0.path, $0) })
        #expect(byPath["zd_users_page1.json"]?.probableEntity == "customers")
        #expect(byPath["zd_users_page1.json"]?.message.contains("customers.yaml") == true)
        #expect(byPath["user-3.json"]?.probableEntity == "customers", "a single-object response of the users records")
        #expect(byPath["expected.json"]?.probableEntity == nil && byPath["expected.json"]?.recordsKey == nil)
        #expect(byPath["notes.csv"]?.probableEntity == nil)
    }

    /// Two layouts of the same records side by side (API pages and an NDJSON export): one is read, and the other
    /// is named as not read, with the file read instead, so its records are not lost without a word.
    @Test func aFileOfAnAlternativeLayoutThatWasNotReadIsNamed() throws {
        let export = try MiniExport([
            "tickets.json": #"{"tickets": [{"id": 1}, {"id": 2}]}"#,
            "tickets.ndjson": "{\"id\": 3}\n{\"id\": 4}\n",
            "tickets-extra.ndjson": "{\"id\": 5}\n",
        ])
        let mapping = try EntityMapping.parse(yaml: """
            version: 1
            entity: tickets
            target: tickets
            source:
              files: [[tickets.json, "tickets-*.json"], [tickets.ndjson, "tickets-*.ndjson"]]
              records: tickets
              firstMatch: true
            key: id
            fields:
              title: id
            """, file: "tickets.yaml")
        let found = UnclaimedFiles.find([mapping], in: export.dir.path)
        #expect(found.map(\.path) == ["tickets-extra.ndjson", "tickets.ndjson"], "\(found)")
        for f in found {
            #expect(f.probableEntity == "tickets")
            #expect(f.notReadBecause == "tickets.json")
            #expect(f.message.contains("not read, because tickets.json was"))
        }
        // The same records in both layouts (as the sample keeps them): named, but nothing is lost, so no problem.
        let same = try MiniExport([
            "tickets.json": #"{"tickets": [{"id": 1}, {"id": 2}]}"#,
            "tickets.ndjson": "{\"id\": 2}\n{\"id\": 1}\n",
        ])
        let named = UnclaimedFiles.find([mapping], in: same.dir.path)
        #expect(named.map(\.path) == ["tickets.ndjson"])
        #expect(named.first?.sameRecords == true)
        #expect(named.first?.message.contains("holds no tickets record that was not read there") == true)
        #expect(found.allSatisfy { !$0.sameRecords }, "ids 3, 4 and 5 are only in the NDJSON files")
        // When a layout may carry children inline, equal keys do not show that nothing is lost (the comments).
        let inline = try EntityMapping.parse(yaml: """
            version: 1
            entity: tickets
            target: tickets
            source:
              files: [[tickets.json], [tickets.ndjson]]
              records: tickets
              firstMatch: true
            key: id
            fields:
              title: id
            children:
              messages:
                inline: comments
                fields:
                  content: body
            """, file: "tickets.yaml")
        #expect(UnclaimedFiles.find([inline], in: same.dir.path).map(\.sameRecords) == [false])
        // Only the NDJSON layout present: it is read, nothing is left.
        let ndjsonOnly = try MiniExport(["tickets.ndjson": "{\"id\": 3}\n"])
        #expect(UnclaimedFiles.find([mapping], in: ndjsonOnly.dir.path).isEmpty)
    }

    /// Side-loads: only the elements of the side-loaded array of pages of other records; a page without it, a
    /// non-JSON file, a bare record or a page that breaks off yields nothing and stops nothing.
    @Test func sideLoadedRecordsComeOnlyFromTheArrayAndABrokenPageStopsNothing() throws {
        let export = try MiniExport([
            "users.json": #"{"users": [{"id": 1, "name": "A"}]}"#,
            "tickets-1.json": #"{"tickets": [{"id": 10}], "users": [{"id": 2, "name": "B"}, {"id": 3, "name": "C"}], "next_page": "x"}"#,
            "tickets-2.json": #"{"tickets": [{"id": 11}], "next_page": null}"#,
            "tickets-3.json": #"{"id": 12, "subject": "a bare record"}"#,
            "tickets-4.json": #"{"tickets": [{"id": 13}], "users": [{"id": 4, "name": "D"}, {"id": 5, "na"#,
            "tickets-5.json": "a,b\n1,2\n",
        ])
        var spec = SourceSpec(files: ["users.json"], records: "users")
        spec.sideloads = ["tickets-*.json"]
        let files = SourceFiles.matches(spec, in: export.dir.path)
        #expect(files.map { ($0.path as NSString).lastPathComponent } == ["users.json", "tickets-1.json", "tickets-2.json", "tickets-3.json", "tickets-4.json", "tickets-5.json"])
        #expect(files.map(\.sideload) == [false, true, true, true, true, true])
        var reader = MultiFileReader(files: files, options: ReaderOptions(records: "users"))
        var names: [String] = []
        var others = 0
        while let item = try reader.next() {
            if case .record(let r) = item { names.append(r.value(at: "name")?.stringValue ?? "?") } else { others += 1 }
        }
        #expect(names == ["A", "B", "C", "D"])
        #expect(others == 0, "the pages' own problems and warnings are their entity's to report")
        // Side-loads need the records key.
        #expect(throws: (any Error).self) {
            try EntityMapping.parse(yaml: """
                version: 1
                entity: customers
                target: customers
                source: { files: [users.json], sideloads: ["tickets-*.json"] }
                key: id
                fields:
                  email: email
                """, file: "customers.yaml")
        }
    }
}
