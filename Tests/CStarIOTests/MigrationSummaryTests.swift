@testable import CStarIO
import Foundation
import Testing

/// How a run's summary decides its verdict (the exit code): records and children rejected, files no mapping
/// reads, values left behind.
@Suite("Migration summary verdicts")
struct MigrationSummaryTests {
    static func summary(_ configure: (inout EntitySummary) -> Void = { _ in }) -> MigrationSummary {
        var tickets = SummaryTextTests.entity("tickets", target: "tickets", read: 3, created: 3)
        tickets.notes = ["attachments kept as links in their message (cStar takes no files)": 2]
        configure(&tickets)
        return MigrationSummary(entities: [tickets], requests: 1, retries: 0, minimumRequests: 1, elapsedSeconds: 1)
    }

    @Test func notesThatKeepDataAreClean() {
        #expect(Self.summary().verdict == .clean)
        #expect(Self.summary().valuesNotMigrated == 0)
    }

    /// Custom-field values without a definition are counted "(not migrated)": data left behind, so exit 3.
    @Test func valuesLeftBehindEndWithProblems() {
        let s = Self.summary { $0.notes["custom field values without a definition in 'ticket_fields' (not migrated)"] = 15 }
        #expect(s.valuesNotMigrated == 15)
        #expect(s.verdict == .finishedWithRejects)
        let renamed = Self.summary { $0.notes["custom field values whose key 'x' another field of the record also makes (not migrated; rename one of the fields)"] = 1 }
        #expect(renamed.verdict == .finishedWithRejects)
    }

    @Test func rejectsFailuresAndUnclaimedRecordFilesRankAsBefore() {
        #expect(Self.summary { $0.rejected = 1; $0.created = 2 }.verdict == .finishedWithRejects)
        #expect(Self.summary { $0.childRejected = 1 }.verdict == .finishedWithRejects)
        #expect(Self.summary { $0.failed = 1; $0.created = 2 }.verdict == .failed)
        var s = Self.summary()
        s.unclaimedFiles = [UnclaimedFile(path: "zd_users.json", recordsKey: "users", probableEntity: "customers", mappingFile: "customers.yaml")]
        #expect(s.verdict == .finishedWithRejects)
        s.unclaimedFiles = [UnclaimedFile(path: "notes.csv", recordsKey: nil, probableEntity: nil, mappingFile: nil)]
        #expect(s.verdict == .clean)
        // Another layout of the same records, not read: nothing is lost.
        var same = UnclaimedFile(path: "tickets.ndjson", recordsKey: nil, probableEntity: "tickets", mappingFile: "tickets.yaml", notReadBecause: "tickets.json")
        same.sameRecords = true
        s.unclaimedFiles = [same]
        #expect(s.verdict == .clean)
        same.sameRecords = false
        s.unclaimedFiles = [same]
        #expect(s.verdict == .finishedWithRejects)
    }
}
