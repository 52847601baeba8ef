import Foundation
import GRDB

/// Durable state of bulk edits, in `<state-dir>/bulk.sqlite`: each run (what it does and how far it got), the
/// selected items with their before-images (the record as it was before the edit, for undo), and every call
/// with its exact request body, idempotency key, state and answer. Calls are formed once, when the run is
/// planned, so a resumed run sends byte-identical requests with the same keys. Every transition is one
/// transaction. API keys are never stored.
public final class BulkJournal: @unchecked Sendable {
    let db: DatabaseQueue

    /// Opens (or creates) the journal file.
    public init(path: String) throws {
        db = try DatabaseQueue.durableState(path: path)
        try Self.migrate(db)
    }

    /// A journal in memory (dry runs plan through the same code without leaving a trace).
    public init() throws {
        db = try DatabaseQueue()
        try Self.migrate(db)
    }

    /// The first schema (migration v1), as the first released version created it.
    static let schemaV1 = """
        CREATE TABLE run (id TEXT PRIMARY KEY, kind TEXT NOT NULL, resource TEXT NOT NULL, fingerprint TEXT NOT NULL,
            target TEXT NOT NULL, description TEXT NOT NULL, undo_of TEXT, state TEXT NOT NULL,
            created_at TEXT NOT NULL, finished_at TEXT, summary TEXT);
        CREATE TABLE item (run_id TEXT NOT NULL, seq INTEGER NOT NULL, record_id TEXT NOT NULL, changes TEXT,
            call_idx INTEGER, before TEXT, outcome TEXT, error_code TEXT, error_message TEXT,
            PRIMARY KEY (run_id, seq), UNIQUE (run_id, record_id));
        CREATE TABLE call (run_id TEXT NOT NULL, idx INTEGER NOT NULL, path TEXT NOT NULL, body TEXT NOT NULL,
            items INTEGER NOT NULL, idempotency_key TEXT NOT NULL, state TEXT NOT NULL, answer TEXT,
            replayed INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, PRIMARY KEY (run_id, idx));
        """

    static func migrate(_ db: DatabaseQueue) throws {
        var migrator = DatabaseMigrator()
        // Migrations are only ever appended: erasing would wipe resume and undo state.
        migrator.registerMigration("v1") { db in try db.execute(sql: schemaV1) }
        // A call's items are looked up by call: without this, each lookup scanned the whole run (quadratic).
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS item_by_call ON item (run_id, call_idx, seq)")
        }
        try migrator.migrateConcurrently(db)
    }

    static func now() -> String { ISO8601DateFormatter().string(from: Date()) }

    // MARK: Runs

    /// What a run is: an update, a delete, or the undo of another run.
    public enum Kind: String, Sendable { case update, delete, undo }

    /// `planning` (selection and before-images being gathered; nothing sent) → `planned` (calls formed, waiting
    /// for confirmation) → `running` → `finished`; or `cancelled` when the person said no.
    public enum State: String, Sendable { case planning, planned, running, finished, cancelled }

    public struct Run: Sendable {
        public let id: String
        public let kind: Kind
        public let resource: String
        public let fingerprint: String
        public let target: String
        public let description: String
        public let undoOf: String?
        public let state: State
        public let createdAt: String
        public let finishedAt: String?
    }

    static func run(_ row: Row) -> Run {
        Run(id: row["id"], kind: Kind(rawValue: row["kind"]) ?? .update, resource: row["resource"], fingerprint: row["fingerprint"],
            target: row["target"], description: row["description"], undoOf: row["undo_of"],
            state: State(rawValue: row["state"]) ?? .planning, createdAt: row["created_at"], finishedAt: row["finished_at"])
    }

    public func runs() throws -> [Run] {
        try db.read { db in try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY created_at, rowid").map(Self.run) }
    }

    public func run(id: String) throws -> Run? {
        try db.read { db in try Row.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [id]).map(Self.run) }
    }

    /// The run whose id is `idOrPrefix`, or the only one starting with it.
    public func findRun(_ idOrPrefix: String) throws -> Run? {
        let matches = try runs().filter { $0.id == idOrPrefix || $0.id.hasPrefix(idOrPrefix.lowercased()) }
        if let exact = matches.first(where: { $0.id == idOrPrefix }) { return exact }
        return matches.count == 1 ? matches[0] : nil
    }

    /// The latest run with this fingerprint that has not finished (nor been cancelled).
    public func unfinishedRun(fingerprint: String) throws -> Run? {
        try runs().last { $0.fingerprint == fingerprint && [.planning, .planned, .running].contains($0.state) }
    }

    /// The undo runs of a run.
    public func undoRuns(of runId: String) throws -> [Run] {
        try runs().filter { $0.kind == .undo && $0.undoOf == runId }
    }

    public func startRun(kind: Kind, resource: String, fingerprint: String, target: String, description: String, undoOf: String? = nil) throws -> String {
        let id = UUID().uuidString.lowercased()
        try db.write { db in
            try db.execute(sql: """
                INSERT INTO run (id, kind, resource, fingerprint, target, description, undo_of, state, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'planning', ?)
                """, arguments: [id, kind.rawValue, resource, fingerprint, target, description, undoOf, Self.now()])
        }
        return id
    }

    public func setState(_ runId: String, _ state: State, summary: String? = nil) throws {
        try db.write { db in
            let finished = state == .finished || state == .cancelled
            try db.execute(sql: "UPDATE run SET state = ?, finished_at = CASE WHEN ? THEN ? ELSE finished_at END, summary = COALESCE(?, summary) WHERE id = ?",
                           arguments: [state.rawValue, finished, Self.now(), summary, runId])
        }
    }

    /// Forgets a run whose planning never finished (nothing of it was sent), so it can be planned again.
    public func discardPlanning(_ runId: String) throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM call WHERE run_id = ?", arguments: [runId])
            try db.execute(sql: "DELETE FROM item WHERE run_id = ?", arguments: [runId])
            try db.execute(sql: "DELETE FROM run WHERE id = ? AND state = 'planning'", arguments: [runId])
        }
    }

    /// Removes a run that sent nothing (a dry-run undo plan), with its items and calls.
    public func deleteUnsentRun(_ runId: String) throws {
        try db.write { db in
            let sent = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM call WHERE run_id = ? AND state != 'planned'", arguments: [runId]) ?? 0
            guard sent == 0 else { return }
            try db.execute(sql: "DELETE FROM call WHERE run_id = ?", arguments: [runId])
            try db.execute(sql: "DELETE FROM item WHERE run_id = ?", arguments: [runId])
            try db.execute(sql: "DELETE FROM run WHERE id = ?", arguments: [runId])
        }
    }

    // MARK: Items

    /// One selected record of a run.
    public struct Item: Sendable {
        public let seq: Int
        public let recordId: String
        /// Canonical JSON of the fields to set (updates; for undo runs, what the call sends back).
        public let changes: String?
        public let callIndex: Int?
        /// The record as it was before the run (JSON), when captured.
        public let before: String?
        public let outcome: String?
        public let errorCode: String?
        public let errorMessage: String?
    }

    static func item(_ row: Row) -> Item {
        Item(seq: row["seq"], recordId: row["record_id"], changes: row["changes"], callIndex: row["call_idx"], before: row["before"],
             outcome: row["outcome"], errorCode: row["error_code"], errorMessage: row["error_message"])
    }

    /// Adds selected records in order; an id already selected is ignored. Returns how many were new.
    @discardableResult
    public func addItems(_ runId: String, _ items: [(id: String, changes: String?, before: String?)]) throws -> Int {
        guard !items.isEmpty else { return 0 }
        return try db.write { db in
            var seq = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), -1) + 1 FROM item WHERE run_id = ?", arguments: [runId]) ?? 0
            let statement = try db.makeStatement(sql: "INSERT OR IGNORE INTO item (run_id, seq, record_id, changes, before) VALUES (?, ?, ?, ?, ?)")
            var added = 0
            for it in items {
                try statement.execute(arguments: [runId, seq, it.id, it.changes, it.before])
                if db.changesCount > 0 { seq += 1; added += 1 }
            }
            return added
        }
    }

    public func items(_ runId: String, limit: Int? = nil) throws -> [Item] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM item WHERE run_id = ? ORDER BY seq" + (limit.map { " LIMIT \($0)" } ?? ""),
                             arguments: [runId]).map(Self.item)
        }
    }

    public func itemCount(_ runId: String) throws -> Int {
        try db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item WHERE run_id = ?", arguments: [runId]) ?? 0 }
    }

    /// Ids of selected records whose before-image is still missing, in order.
    public func idsWithoutBefore(_ runId: String, limit: Int? = nil) throws -> [String] {
        try db.read { db in
            try String.fetchAll(db, sql: "SELECT record_id FROM item WHERE run_id = ? AND before IS NULL ORDER BY seq" + (limit.map { " LIMIT \($0)" } ?? ""),
                                arguments: [runId])
        }
    }

    public func setBefore(_ runId: String, _ images: [(id: String, json: String)]) throws {
        guard !images.isEmpty else { return }
        try db.write { db in
            let statement = try db.makeStatement(sql: "UPDATE item SET before = ? WHERE run_id = ? AND record_id = ?")
            for (id, json) in images { try statement.execute(arguments: [json, runId, id]) }
        }
    }

    // MARK: Calls

    /// One request of a run, formed at planning time and sent as stored.
    public struct Call: Sendable {
        public let index: Int
        public let path: String
        public let body: String
        public let items: Int
        public let idempotencyKey: String
        public let state: String
        public let answer: String?
        public let replayed: Bool
    }

    static func call(_ row: Row) -> Call {
        Call(index: row["idx"], path: row["path"], body: row["body"], items: row["items"], idempotencyKey: row["idempotency_key"],
             state: row["state"], answer: row["answer"], replayed: row["replayed"])
    }

    /// Stores a planned call and assigns it to its items (by seq).
    public func addCall(_ runId: String, index: Int, path: String, body: String, key: String, itemSeqs: [Int]) throws {
        try db.write { db in
            try db.execute(sql: "INSERT INTO call (run_id, idx, path, body, items, idempotency_key, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'planned', ?)",
                           arguments: [runId, index, path, body, itemSeqs.count, key, Self.now()])
            let statement = try db.makeStatement(sql: "UPDATE item SET call_idx = ? WHERE run_id = ? AND seq = ?")
            for s in itemSeqs { try statement.execute(arguments: [index, runId, s]) }
        }
    }

    /// The run's calls, or those in `state` (`planned`, `sent`, `committed`).
    public func callCount(_ runId: String, state: String? = nil) throws -> Int {
        try db.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM call WHERE run_id = ? AND (? IS NULL OR state = ?)", arguments: [runId, state, state]) ?? 0
        }
    }

    /// Indexes of the calls not committed yet, in order (the calls themselves are read one at a time).
    public func uncommittedCallIndexes(_ runId: String) throws -> [Int] {
        try db.read { db in try Int.fetchAll(db, sql: "SELECT idx FROM call WHERE run_id = ? AND state != 'committed' ORDER BY idx", arguments: [runId]) }
    }

    public func call(_ runId: String, index: Int) throws -> Call? {
        try db.read { db in try Row.fetchOne(db, sql: "SELECT * FROM call WHERE run_id = ? AND idx = ?", arguments: [runId, index]).map(Self.call) }
    }

    /// Forms and stores a run's calls in one transaction, reading the items in call order without holding them:
    /// for updates, items grouped by identical changes (groups in order of their first item), each group cut into
    /// calls of at most `perCall` ids; for deletes (`grouped` false), the items in order. `body` makes a call's
    /// path, body and idempotency key from its index, the group's changes and its record ids (it runs inside the
    /// journal's write transaction and must not use the journal). Returns the count.
    public func formCalls(_ runId: String, grouped: Bool, perCall: Int,
                          body: (_ index: Int, _ changes: String?, _ recordIds: [String]) throws -> (path: String, body: String, key: String)) throws -> Int {
        try db.write { db in
            // A group is named by its first item's seq (an integer, so the grouping is SQLite's byte comparison
            // throughout). The sort is complete before the first row comes back, so assigning call_idx below does
            // not disturb the walk.
            let group = grouped ? "MIN(seq) OVER (PARTITION BY changes)" : "0"
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, record_id, changes, \(group) AS grp FROM item WHERE run_id = ? ORDER BY grp, seq",
                                           arguments: [runId])
            let insert = try db.makeStatement(sql: "INSERT INTO call (run_id, idx, path, body, items, idempotency_key, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'planned', ?)")
            let assign = try db.makeStatement(sql: "UPDATE item SET call_idx = ? WHERE run_id = ? AND seq = ?")
            let now = Self.now()
            var index = 0
            var seqs: [Int] = [], ids: [String] = []
            var changes: String?
            var current: Int?
            func flush() throws {
                guard !ids.isEmpty else { return }
                let call = try body(index, changes, ids)
                try insert.execute(arguments: [runId, index, call.path, call.body, ids.count, call.key, now])
                for s in seqs { try assign.execute(arguments: [index, runId, s]) }
                index += 1
                seqs.removeAll(keepingCapacity: true)
                ids.removeAll(keepingCapacity: true)
            }
            while let row = try rows.next() {
                let grp: Int = row["grp"]
                if grp != current || ids.count == perCall { try flush() }
                current = grp
                changes = grouped ? row["changes"] : nil
                seqs.append(row["seq"])
                ids.append(row["record_id"])
            }
            try flush()
            return index
        }
    }

    /// Counts of a run's items by outcome: done, failed, and sent but not answered yet.
    public func itemCounts(_ runId: String) throws -> (items: Int, succeeded: Int, failed: Int, pending: Int) {
        try db.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS n, COALESCE(SUM(outcome = 'ok'), 0) AS ok, COALESCE(SUM(outcome = 'failed'), 0) AS failed,
                       COALESCE(SUM(outcome IS NULL AND call_idx IS NOT NULL), 0) AS pending
                FROM item WHERE run_id = ?
                """, arguments: [runId])
            return (row?["n"] ?? 0, row?["ok"] ?? 0, row?["failed"] ?? 0, row?["pending"] ?? 0)
        }
    }

    /// Up to `limit` items of the run after seq `after`, in order: pages for walking a large run without holding it.
    /// `condition` is SQL: module-internal, and only ever given constants.
    func itemPage(_ runId: String, after: Int, limit: Int, where condition: String = "1") throws -> [Item] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM item WHERE run_id = ? AND seq > ? AND (\(condition)) ORDER BY seq LIMIT ?",
                             arguments: [runId, after, limit]).map(Self.item)
        }
    }

    /// Calls `body` with the run's items in order, `pageSize` at a time (a page is read, then handed over, so
    /// `body` may use the journal).
    func forEachItemPage(_ runId: String, where condition: String = "1", pageSize: Int = 500, _ body: ([Item]) throws -> Void) throws {
        var after = -1
        while true {
            let page = try itemPage(runId, after: after, limit: pageSize, where: condition)
            guard let last = page.last else { return }
            try body(page)
            after = last.seq
        }
    }

    public func calls(_ runId: String) throws -> [Call] {
        try db.read { db in try Row.fetchAll(db, sql: "SELECT * FROM call WHERE run_id = ? ORDER BY idx", arguments: [runId]).map(Self.call) }
    }

    /// Found through `item_by_call`, not a scan of the run (one lookup per call).
    static let callItemsSQL = "SELECT * FROM item WHERE run_id = ? AND call_idx = ? ORDER BY seq"

    public func callItems(_ runId: String, index: Int) throws -> [Item] {
        try db.read { db in try Row.fetchAll(db, sql: Self.callItemsSQL, arguments: [runId, index]).map(Self.item) }
    }

    public func markSent(_ runId: String, index: Int) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE call SET state = 'sent', updated_at = ? WHERE run_id = ? AND idx = ? AND state = 'planned'",
                           arguments: [Self.now(), runId, index])
        }
    }

    /// What happened to one item of a call.
    public struct ItemOutcome: Sendable {
        public let seq: Int
        public let ok: Bool
        public let code: String?
        public let message: String?
        public init(seq: Int, ok: Bool, code: String? = nil, message: String? = nil) {
            self.seq = seq
            self.ok = ok
            self.code = code
            self.message = message
        }
    }

    /// Commits a call: its answer and every item's outcome, in one transaction.
    public func commit(_ runId: String, index: Int, answer: String, replayed: Bool, outcomes: [ItemOutcome]) throws {
        try db.write { db in
            try db.execute(sql: "UPDATE call SET state = 'committed', answer = ?, replayed = ?, updated_at = ? WHERE run_id = ? AND idx = ?",
                           arguments: [answer, replayed, Self.now(), runId, index])
            let statement = try db.makeStatement(sql: "UPDATE item SET outcome = ?, error_code = ?, error_message = ? WHERE run_id = ? AND seq = ?")
            for o in outcomes {
                try statement.execute(arguments: [o.ok ? "ok" : "failed", o.code, o.message, runId, o.seq])
            }
        }
    }

    /// Items that failed, in order.
    public func failedItems(_ runId: String) throws -> [Item] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM item WHERE run_id = ? AND outcome = 'failed' ORDER BY seq", arguments: [runId]).map(Self.item)
        }
    }

    /// Ids of a call whose outcome cStar left unknown (more failures counted than named).
    public static let unconfirmedCode = "unconfirmed"

}
