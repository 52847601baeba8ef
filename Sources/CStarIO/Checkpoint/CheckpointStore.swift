import CStarHash
import Foundation
import GRDB

/// Durable state of migrations, in `<state-dir>/checkpoints.sqlite`: runs (with the fingerprint of their sources
/// and mappings), every batch's state and the API's answer, and the ID map (source key → cStar id). Every
/// transition is one transaction, so a crash at any instant leaves a state a re-run continues from.
/// API keys are never stored.
public final class CheckpointStore: @unchecked Sendable {
    let db: DatabaseQueue

    public init(path: String) throws {
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(10)
        db = try DatabaseQueue(path: path, configuration: config)
        var migrator = DatabaseMigrator()
        // Migrations are only ever appended: erasing would wipe resume state.
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE run (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, target TEXT NOT NULL, source TEXT NOT NULL,
                    state TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, summary TEXT);
                CREATE TABLE batch (run_id TEXT NOT NULL, entity TEXT NOT NULL, idx INTEGER NOT NULL, state TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL, records INTEGER NOT NULL, outcome TEXT, updated_at TEXT NOT NULL,
                    PRIMARY KEY (run_id, entity, idx));
                CREATE TABLE id_map (target TEXT NOT NULL, entity TEXT NOT NULL, source_key TEXT NOT NULL, cstar_id TEXT NOT NULL,
                    PRIMARY KEY (target, entity, source_key)) WITHOUT ROWID;
                """)
        }
        try migrator.migrate(db)
    }

    public struct Run: Sendable {
        public let id: String
        public let fingerprint: String
        public let target: String
        public let source: String
        public let state: String
        public let startedAt: String
        public let finishedAt: String?
        public let committedBatches: Int
        public let committedRecords: Int
    }

    static func now() -> String { ISO8601DateFormatter().string(from: Date()) }

    public func runs() throws -> [Run] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.*, (SELECT COUNT(*) FROM batch b WHERE b.run_id = r.id AND b.state = 'committed') AS nb,
                  (SELECT COALESCE(SUM(records), 0) FROM batch b WHERE b.run_id = r.id AND b.state = 'committed') AS nr
                FROM run r ORDER BY started_at
                """).map {
                Run(id: $0["id"], fingerprint: $0["fingerprint"], target: $0["target"], source: $0["source"], state: $0["state"],
                    startedAt: $0["started_at"], finishedAt: $0["finished_at"], committedBatches: $0["nb"], committedRecords: $0["nr"])
            }
        }
    }

    /// The unfinished run for this source and target, if any.
    public func unfinishedRun(source: String, target: String) throws -> Run? {
        try runs().last { $0.state == "running" && $0.source == source && $0.target == target }
    }

    public func startRun(fingerprint: String, source: String, target: String) throws -> String {
        let id = UUID().uuidString.lowercased()
        try db.write { db in
            try db.execute(sql: "INSERT INTO run (id, fingerprint, target, source, state, started_at) VALUES (?, ?, ?, ?, 'running', ?)",
                           arguments: [id, fingerprint, target, source, Self.now()])
        }
        return id
    }

    public func abandon(runId: String) throws {
        try db.write { db in try db.execute(sql: "UPDATE run SET state = 'abandoned', finished_at = ? WHERE id = ?", arguments: [Self.now(), runId]) }
    }

    public func finish(runId: String, summary: String) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE run SET state = 'finished', finished_at = ?, summary = ? WHERE id = ?", arguments: [Self.now(), summary, runId])
        }
    }

    /// The stored answer of a committed batch.
    public func committedOutcome(runId: String, entity: String, index: Int) throws -> String? {
        try db.read { db in
            try String.fetchOne(db, sql: "SELECT outcome FROM batch WHERE run_id = ? AND entity = ? AND idx = ? AND state = 'committed'",
                                arguments: [runId, entity, index])
        }
    }

    public func markSent(runId: String, entity: String, index: Int, key: String, records: Int) throws {
        try db.write { db in
            try db.execute(sql: """
                INSERT INTO batch (run_id, entity, idx, state, idempotency_key, records, updated_at) VALUES (?, ?, ?, 'sent', ?, ?, ?)
                ON CONFLICT (run_id, entity, idx) DO UPDATE SET state = 'sent', idempotency_key = excluded.idempotency_key, updated_at = excluded.updated_at
                """, arguments: [runId, entity, index, key, records, Self.now()])
        }
    }

    /// Commits a batch together with the ids it produced.
    public func commit(runId: String, entity: String, index: Int, outcome: String, target: String, ids: [(String, String)]) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE batch SET state = 'committed', outcome = ?, updated_at = ? WHERE run_id = ? AND entity = ? AND idx = ?",
                           arguments: [outcome, Self.now(), runId, entity, index])
            try Self.insertIds(db, target: target, entity: entity, ids)
        }
    }

    static func insertIds(_ db: Database, target: String, entity: String, _ ids: [(String, String)]) throws {
        let statement = try db.makeStatement(sql: "INSERT OR REPLACE INTO id_map (target, entity, source_key, cstar_id) VALUES (?, ?, ?, ?)")
        for (key, id) in ids { try statement.execute(arguments: [target, entity, key, id]) }
    }

    public func storeIds(target: String, entity: String, _ ids: [(String, String)]) throws {
        guard !ids.isEmpty else { return }
        try db.write { db in try Self.insertIds(db, target: target, entity: entity, ids) }
    }

    public func cstarId(target: String, entity: String, sourceKey: String) throws -> String? {
        try db.read { db in
            try String.fetchOne(db, sql: "SELECT cstar_id FROM id_map WHERE target = ? AND entity = ? AND source_key = ?",
                                arguments: [target, entity, sourceKey])
        }
    }

    /// What identifies a run: the mapping files' contents, the source files' names, sizes and modification
    /// times, and the target. A changed source or mapping gives another fingerprint.
    public static func fingerprint(mappings: [EntityMapping], sourceFiles: [String], target: String) -> String {
        var h = SHA256()
        h.update("target \(target)\n")
        for m in mappings.sorted(by: { $0.file < $1.file }) {
            h.update("mapping \(m.file)\n")
            if let data = FileManager.default.contents(atPath: m.file) { h.update(data) }
        }
        for f in sourceFiles.sorted() {
            let attrs = try? FileManager.default.attributesOfItem(atPath: f)
            let size = (attrs?[.size] as? NSNumber)?.int64Value ?? -1
            let mtime = (attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            h.update("source \(f) \(size) \(mtime)\n")
        }
        return h.hexDigest()
    }
}
