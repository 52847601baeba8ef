@testable import CStarIO
import Foundation
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

    /// A fresh folder, and `open(i)` run `count` times at once; the errors, as text.
    static func temporaryFolder(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cstar-io-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func atOnce(_ count: Int, _ open: @Sendable (Int) throws -> Void) -> [String] {
        let lock = NSLock()
        nonisolated(unsafe) var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: count) { i in
            do { try open(i) } catch { lock.lock(); errors.append("\(error)"); lock.unlock() }
        }
        return errors
    }

    /// Two commands started together open (and migrate) one state file at the same moment; every migration must
    /// come through on both sides, whichever wins (a no-op migration's record is the loser's conflict).
    @Test func stateFilesOpenedByManyAtOnceAllMigrate() throws {
        let dir = try Self.temporaryFolder("migrate-race")
        var errors: [String] = []
        for round in 0..<8 {
            errors += Self.atOnce(6) { i in
                if i % 2 == 0 {
                    _ = try BulkJournal(path: dir.appendingPathComponent("bulk-\(round).sqlite").path)
                } else {
                    _ = try CheckpointStore(path: dir.appendingPathComponent("checkpoints-\(round).sqlite").path)
                }
            }
        }
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        let journal = try BulkJournal(path: dir.appendingPathComponent("bulk-0.sqlite").path)
        let applied = try journal.db.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        #expect(applied == ["v1", "v2"])
    }

    /// An upgrade: a journal written by the previous version (schema v1, many items) opened by two commands at
    /// once. Both see v2 missing; one builds the index while the other waits, then finds it built.
    @Test func aJournalFromThePreviousVersionUpgradesUnderTwoOpenersAtOnce() throws {
        let dir = try Self.temporaryFolder("upgrade-race")
        var errors: [String] = []
        for round in 0..<3 {
            let path = dir.appendingPathComponent("bulk-\(round).sqlite").path
            var config = Configuration()
            config.journalMode = .wal  // as the previous version left it
            let old = try DatabaseQueue(path: path, configuration: config)
            try old.write { db in
                try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY); INSERT INTO grdb_migrations VALUES ('v1');")
                try db.execute(sql: BulkJournal.schemaV1)
                let insert = try db.makeStatement(sql: "INSERT INTO item (run_id, seq, record_id, call_idx) VALUES ('r', ?, ?, ?)")
                for i in 0..<200_000 { try insert.execute(arguments: [i, "tkt_\(i)", i / 100]) }
            }
            try old.close()
            errors += Self.atOnce(2) { _ in _ = try BulkJournal(path: path) }
        }
        #expect(errors.isEmpty, "\(errors.prefix(3))")
    }
}
