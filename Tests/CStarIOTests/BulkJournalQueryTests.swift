@testable import CStarIO
import GRDB
import Testing

/// The journal is read once per call of a run: those reads must find their rows through an index. A scan of the
/// run's items per call made a 100,000-record bulk edit quadratic (SQLite picked the primary key to avoid a sort).
@Suite("Bulk journal queries")
struct BulkJournalQueryTests {
    @Test func aCallsItemsAreFoundThroughTheirIndexNotByScanningTheRun() throws {
        let journal = try BulkJournal()
        let run = try journal.startRun(kind: .delete, resource: "tickets", fingerprint: "f", target: "t", description: "d")
        try journal.addItems(run, (0..<300).map { ("tkt_\($0)", nil, nil) })
        let plan = try journal.db.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + BulkJournal.callItemsSQL, arguments: [run, 1]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("item_by_call") && $0.contains("call_idx=?") }, "\(plan)")
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "no sort either: \(plan)")
    }
}
