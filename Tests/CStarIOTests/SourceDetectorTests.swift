import CStarIO
import Foundation
import Testing

/// `--from auto`: the helpdesk an export came from, by its files and the shape of their records.
@Suite("Source detection")
struct SourceDetectorTests {
    static var sets: [(name: String, entities: [EntityMapping])] {
        BuiltInMappingSet.all.compactMap { s in (try? MappingSet.load(builtIn: s)).map { (s.name, $0.entities) } }
    }

    @Test(arguments: [("Samples/zendesk", "zendesk"), ("Samples/zendesk-full", "zendesk"), ("Samples/zendesk-dump", "zendesk"),
                      ("Samples/freshdesk", "freshdesk"), ("Samples/helpscout", "helpscout"), ("Samples/intercom", "intercom"),
                      ("Samples/front", "front"), ("Samples/hubspot", "hubspot"), ("Samples/zohodesk", "zohodesk"),
                      ("Samples/crisp", "crisp"), ("Samples/liveagent", "liveagent")])
    func everySampleIsRecognised(folder: String, set: String) {
        let outcome = SourceDetector.detect(exportDirectory: TestFiles.repoRoot.appendingPathComponent(folder).path, sets: Self.sets)
        guard case .recognised(let c) = outcome else { Issue.record("\(folder): \(outcome)"); return }
        #expect(c.set == set)
        #expect(c.evidence.contains { ["tickets", "tickets-csv", "conversations"].contains($0.entity) }, "\(c.evidence)")
    }

    @Test func aMixedFolderAndAnEmptyOneAreRefusedWithTheCandidates() throws {
        let mixed = try MiniExport([
            "users.json": #"{"users": [{"id": 1, "name": "Ann", "email": "a@x.test", "role": "end-user", "suspended": false, "tags": [], "notes": null, "details": null, "user_fields": {}, "phone": null, "time_zone": null, "locale": null, "organization_id": null, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"}]}"#,
            "customers.ndjson": #"{"id": "cus_1", "object": "customer", "name": "Ann", "email": "a@x.test", "status": "active", "tags": [], "notes": null, "customFields": {}, "metadata": {}, "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-01T00:00:00Z"}"# + "\n",
        ])
        guard case .unsure(let candidates, let reason) = SourceDetector.detect(exportDirectory: mixed.dir.path, sets: Self.sets) else {
            Issue.record("a mixed folder must not be guessed"); return
        }
        #expect(Set(candidates.map(\.set)) == ["zendesk", "cstar"])
        #expect(reason.contains("more than one"))
        let empty = try MiniExport(["notes.txt": "nothing here"])
        guard case .unsure(let none, _) = SourceDetector.detect(exportDirectory: empty.dir.path, sets: Self.sets) else {
            Issue.record("nothing to recognise"); return
        }
        #expect(none.isEmpty)
    }
    /// A folder holding a Crisp dump and a LiveAgent dump side by side is refused, naming both.
    @Test func crispAndLiveAgentFilesInOneFolderAreRefusedWithBothCandidates() throws {
        func sample(_ path: String) throws -> String {
            try String(contentsOf: TestFiles.repoRoot.appendingPathComponent(path), encoding: .utf8)
        }
        let mixed = try MiniExport([
            "conversations-1.json": try sample("Samples/crisp/conversations-1.json"),
            "people_profiles-1.json": try sample("Samples/crisp/people_profiles-1.json"),
            "tickets-001.json": try sample("Samples/liveagent/tickets-001.json"),
            "contacts-001.json": try sample("Samples/liveagent/contacts-001.json"),
        ])
        guard case .unsure(let candidates, let reason) = SourceDetector.detect(exportDirectory: mixed.dir.path, sets: Self.sets) else {
            Issue.record("a mixed folder must not be guessed"); return
        }
        #expect(Set(candidates.map(\.set)).isSuperset(of: ["crisp", "liveagent"]), "\(candidates)")
        #expect(reason.contains("more than one"), "\(reason)")
    }
}
