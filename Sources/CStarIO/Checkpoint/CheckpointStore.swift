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
        db = try DatabaseQueue.durableState(path: path)
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
        // The natural keys (email, externalId) of the records each committed batch put into cStar, written in the
        // batch's commit transaction; read back after the entity to learn ids and to reconcile against cStar.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE natural_key (run_id TEXT NOT NULL, entity TEXT NOT NULL, natural TEXT NOT NULL, source_key TEXT NOT NULL,
                    messages INTEGER, cstar_id TEXT, found_messages INTEGER, PRIMARY KEY (run_id, entity, source_key)) WITHOUT ROWID;
                CREATE INDEX natural_key_by_natural ON natural_key (run_id, entity, natural);
                """)
        }
        // Which records each batch holds (a hash of their source keys): a resumed run checks it forms the same batches.
        migrator.registerMigration("v3") { db in
            try db.execute(sql: "ALTER TABLE batch ADD COLUMN records_hash TEXT")
        }
        // What the last delivery of each record put into cStar (field and child digests), per target: delta runs
        // compare new payloads with it. Written in the commit transaction of the batch that delivered the record.
        migrator.registerMigration("v4") { db in
            try db.execute(sql: """
                CREATE TABLE record_state (target TEXT NOT NULL, entity TEXT NOT NULL, source_key TEXT NOT NULL, state TEXT NOT NULL,
                    run_id TEXT NOT NULL, PRIMARY KEY (target, entity, source_key)) WITHOUT ROWID;
                """)
        }
        // What kind of run each is (migrate, delta, restore), so `status` shows a migration's chain of runs.
        migrator.registerMigration("v5") { db in
            try db.execute(sql: "ALTER TABLE run ADD COLUMN kind TEXT")
        }
        try migrator.migrateConcurrently(db)
    }

    /// The store's file in a state folder.
    public static let fileName = "checkpoints.sqlite"

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
        /// `migrate`, `delta` (a `--delta` run over what earlier runs delivered), or nil for runs of older versions.
        public var kind: String? = nil
    }

    static func now() -> String { ISO8601DateFormatter().string(from: Date()) }

    /// The summary a finished run stored (a `MigrationSummary`'s JSON text), nil for an unfinished one.
    public func storedSummary(runId: String) throws -> String? {
        try db.read { db in try String.fetchOne(db, sql: "SELECT summary FROM run WHERE id = ?", arguments: [runId]) }
    }

    public func runs() throws -> [Run] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.*, (SELECT COUNT(*) FROM batch b WHERE b.run_id = r.id AND b.state = 'committed') AS nb,
                  (SELECT COALESCE(SUM(records), 0) FROM batch b WHERE b.run_id = r.id AND b.state = 'committed') AS nr
                FROM run r ORDER BY started_at
                """).map {
                Run(id: $0["id"], fingerprint: $0["fingerprint"], target: $0["target"], source: $0["source"], state: $0["state"],
                    startedAt: $0["started_at"], finishedAt: $0["finished_at"], committedBatches: $0["nb"], committedRecords: $0["nr"], kind: $0["kind"])
            }
        }
    }

    /// The unfinished run for this source and target, if any.
    public func unfinishedRun(source: String, target: String) throws -> Run? {
        try runs().last { $0.state == "running" && $0.source == source && $0.target == target }
    }

    public func startRun(fingerprint: String, source: String, target: String, kind: String = "migrate") throws -> String {
        let id = UUID().uuidString.lowercased()
        try db.write { db in
            try db.execute(sql: "INSERT INTO run (id, fingerprint, target, source, state, started_at, kind) VALUES (?, ?, ?, ?, 'running', ?, ?)",
                           arguments: [id, fingerprint, target, source, Self.now(), kind])
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

    /// A resumed run formed a batch with other records than the first attempt did under the same index.
    public struct BatchChanged: Error, CustomStringConvertible {
        public let entity: String
        public let index: Int
        public var description: String {
            "batch \(index + 1) of \(entity) holds other records than when it was first sent (the export, the mapping or what the references " +
            "resolve to changed); continuing could skip or repeat records. Re-run with --restart: records already in cStar are matched and skipped."
        }
    }

    /// The stored answer of a committed batch, after checking it held the same records (`recordsHash`).
    public func committedOutcome(runId: String, entity: String, index: Int, recordsHash: String) throws -> String? {
        guard let row = try db.read({ db in
            try Row.fetchOne(db, sql: "SELECT outcome, records_hash FROM batch WHERE run_id = ? AND entity = ? AND idx = ? AND state = 'committed'",
                             arguments: [runId, entity, index])
        }) else { return nil }
        if let stored: String = row["records_hash"], stored != recordsHash { throw BatchChanged(entity: entity, index: index) }
        return row["outcome"]
    }

    /// Records a batch as sent (again, after a crash: a batch not committed may hold other records now, since
    /// nothing of it counts yet; it goes with a key of its own payload).
    public func markSent(runId: String, entity: String, index: Int, key: String, records: Int, recordsHash: String) throws {
        try db.write { db in
            try db.execute(sql: """
                INSERT INTO batch (run_id, entity, idx, state, idempotency_key, records, records_hash, updated_at) VALUES (?, ?, ?, 'sent', ?, ?, ?, ?)
                ON CONFLICT (run_id, entity, idx) DO UPDATE SET state = 'sent', idempotency_key = excluded.idempotency_key,
                    records = excluded.records, records_hash = excluded.records_hash, updated_at = excluded.updated_at
                """, arguments: [runId, entity, index, key, records, recordsHash, Self.now()])
        }
    }

    /// How many records a batch held when it was sent (where a resumed run cuts it again).
    public func formedBatch(runId: String, entity: String, index: Int) throws -> Int? {
        try db.read { db in
            try Int.fetchOne(db, sql: "SELECT records FROM batch WHERE run_id = ? AND entity = ? AND idx = ?",
                             arguments: [runId, entity, index])
        }
    }

    /// A record a batch put into cStar, known by its natural key until cStar's id for it is learned.
    public struct NaturalKey: Sendable {
        public var sourceKey: String
        public var natural: String
        /// Messages the record carried, when the batch's answer shows it was created (so the count must match).
        public var messages: Int?
        /// Known at once for records created one by one (the answer carries the id).
        public var cstarId: String?

        public init(sourceKey: String, natural: String, messages: Int?, cstarId: String? = nil) {
            self.sourceKey = sourceKey
            self.natural = natural
            self.messages = messages
            self.cstarId = cstarId
        }
    }

    /// Commits a batch together with the ids it produced and the natural keys of the records it delivered.
    public func commit(runId: String, entity: String, index: Int, outcome: String, target: String, ids: [(String, String)],
                       naturalKeys: [NaturalKey] = [], states: [(sourceKey: String, state: RecordState)] = [], removedStates: [String] = []) throws {
        try db.write { db in
            if !states.isEmpty {
                let statement = try db.makeStatement(sql: "INSERT OR REPLACE INTO record_state (target, entity, source_key, state, run_id) VALUES (?, ?, ?, ?, ?)")
                for s in states { try statement.execute(arguments: [target, entity, s.sourceKey, s.state.encoded, runId]) }
            }
            for key in removedStates {
                try db.execute(sql: "DELETE FROM record_state WHERE target = ? AND entity = ? AND source_key = ?", arguments: [target, entity, key])
            }
            try db.execute(sql: "UPDATE batch SET state = 'committed', outcome = ?, updated_at = ? WHERE run_id = ? AND entity = ? AND idx = ?",
                           arguments: [outcome, Self.now(), runId, entity, index])
            try Self.insertIds(db, target: target, entity: entity, ids)
            let statement = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO natural_key (run_id, entity, natural, source_key, messages, cstar_id) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for k in naturalKeys { try statement.execute(arguments: [runId, entity, k.natural, k.sourceKey, k.messages, k.cstarId]) }
        }
    }

    /// Records cStar's answer for the rows of one export window: id (and message count) by natural key.
    public func matchNaturalKeys(runId: String, entity: String, _ rows: [(natural: String, id: String, messages: Int?)]) throws {
        guard !rows.isEmpty else { return }
        try db.write { db in
            let statement = try db.makeStatement(sql: """
                UPDATE natural_key SET cstar_id = ?, found_messages = ? WHERE run_id = ? AND entity = ? AND natural = ?
                """)
            for r in rows { try statement.execute(arguments: [r.id, r.messages, runId, entity, r.natural]) }
        }
    }

    /// What an entity's read-back found: records delivered, found in cStar, and threads whose message count differs.
    public struct NaturalKeyTally: Sendable, Equatable {
        public var delivered = 0
        public var found = 0
        public var messageMismatches = 0
    }

    /// Moves the ids learned for `entity` into the ID map and counts what was and was not found.
    public func finishNaturalKeys(runId: String, entity: String, target: String) throws -> NaturalKeyTally {
        try db.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO id_map (target, entity, source_key, cstar_id)
                SELECT ?, entity, source_key, cstar_id FROM natural_key WHERE run_id = ? AND entity = ? AND cstar_id IS NOT NULL
                """, arguments: [target, runId, entity])
            let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS delivered, COUNT(cstar_id) AS found,
                  SUM(CASE WHEN cstar_id IS NOT NULL AND messages IS NOT NULL AND COALESCE(found_messages, -1) != messages THEN 1 ELSE 0 END) AS mismatched
                FROM natural_key WHERE run_id = ? AND entity = ?
                """, arguments: [runId, entity])
            return NaturalKeyTally(delivered: row?["delivered"] ?? 0, found: row?["found"] ?? 0, messageMismatches: row?["mismatched"] ?? 0)
        }
    }

    /// Source keys delivered but not found in cStar (a few, for the report).
    public func missingNaturalKeys(runId: String, entity: String, limit: Int = 10) throws -> [String] {
        try db.read { db in
            try String.fetchAll(db, sql: "SELECT source_key FROM natural_key WHERE run_id = ? AND entity = ? AND cstar_id IS NULL ORDER BY source_key LIMIT ?",
                                arguments: [runId, entity, limit])
        }
    }

    /// The cStar ids this run created or matched for an entity (per-record targets, to check against a list of what cStar has).
    public func runIds(runId: String, entity: String) throws -> [String] {
        try db.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT cstar_id FROM natural_key WHERE run_id = ? AND entity = ? AND cstar_id IS NOT NULL",
                                arguments: [runId, entity])
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

    /// The states earlier deliveries left for these records (records never delivered, or delivered in a batch whose
    /// answer did not say which records were created, have none).
    public func recordStates(target: String, entity: String, sourceKeys: [String]) throws -> [String: RecordState] {
        try db.read { db in
            let statement = try db.makeStatement(sql: "SELECT state FROM record_state WHERE target = ? AND entity = ? AND source_key = ?")
            var out: [String: RecordState] = [:]
            for k in sourceKeys {
                if let text = try String.fetchOne(statement, arguments: [target, entity, k]), let s = RecordState(encoded: text) { out[k] = s }
            }
            return out
        }
    }

    /// The cStar ids of these records in the ID map (one read for a batch).
    public func cstarIds(target: String, entity: String, sourceKeys: [String]) throws -> [String: String] {
        try db.read { db in
            let statement = try db.makeStatement(sql: "SELECT cstar_id FROM id_map WHERE target = ? AND entity = ? AND source_key = ?")
            var out: [String: String] = [:]
            for k in sourceKeys { if let id = try String.fetchOne(statement, arguments: [target, entity, k]) { out[k] = id } }
            return out
        }
    }

    /// Records earlier runs delivered to this target that a run did not see (`seen`: the source keys its export holds).
    public func absentSourceKeys(target: String, entity: String, seen: Set<String>) throws -> [String] {
        try deliveredSourceKeys(target: target, entity: entity).filter { !seen.contains($0) }
    }

    /// Source keys of an entity that earlier runs delivered to this target (ID map and record states), sorted.
    public func deliveredSourceKeys(target: String, entity: String) throws -> [String] {
        try db.read { db in
            try String.fetchAll(db, sql: """
                SELECT source_key FROM id_map WHERE target = ? AND entity = ?
                UNION SELECT source_key FROM record_state WHERE target = ? AND entity = ? ORDER BY 1
                """, arguments: [target, entity, target, entity])
        }
    }

    /// Forgets a record that was deleted from cStar.
    public func forget(target: String, entity: String, sourceKey: String) throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM id_map WHERE target = ? AND entity = ? AND source_key = ?", arguments: [target, entity, sourceKey])
            try db.execute(sql: "DELETE FROM record_state WHERE target = ? AND entity = ? AND source_key = ?", arguments: [target, entity, sourceKey])
        }
    }

    public func cstarId(target: String, entity: String, sourceKey: String) throws -> String? {
        try db.read { db in
            try String.fetchOne(db, sql: "SELECT cstar_id FROM id_map WHERE target = ? AND entity = ? AND source_key = ?",
                                arguments: [target, entity, sourceKey])
        }
    }

    /// What identifies a run: the mapping files' contents, the source files' names, sizes and modification
    /// times, and the target. A changed source or mapping gives another fingerprint.
    public static func fingerprint(mappings: [EntityMapping], sourceFiles: [String], target: String, options: String = "") -> String {
        var h = SHA256()
        h.update("target \(target)\n")
        h.update("options \(options)\n")
        for m in mappings.sorted(by: { $0.file < $1.file }) {
            h.update("mapping \(m.file)\n")
            // The text that was parsed, not the file read again: a built-in mapping has no file, and a file
            // edited since the mapping was loaded does not describe this run.
            h.update(m.text)
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

extension DatabaseQueue {
    /// A state file several commands (and processes) may open at once: WAL, and a wait rather than an error
    /// while another holds the write lock.
    static func durableState(path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: config)
    }
}

extension DatabaseMigrator {
    /// Migrates a file another process may be migrating at the same moment (two commands started together, or
    /// a reader opening a run's journal): the loser of the race sees the other's schema on a second look. It may
    /// fail on the table the other created (`SQLITE_ERROR`), on the lock (`BUSY`, `LOCKED`), or, for a migration
    /// that is a no-op the second time (`CREATE INDEX IF NOT EXISTS`), on recording it again (`CONSTRAINT`).
    func migrateConcurrently(_ writer: some DatabaseWriter) throws {
        var attempt = 0
        while true {
            do {
                try migrate(writer)
                return
            } catch let error as DatabaseError where attempt < 5 && [ResultCode.SQLITE_ERROR, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_CONSTRAINT].contains(error.resultCode.primaryResultCode) {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }
}
