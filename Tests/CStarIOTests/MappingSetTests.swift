import CStarIO
import Foundation
import Testing

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
