import Foundation
import GRDB

/// On-disk indexes of one run, so memory does not grow with the export: source records by key (for
/// lookups), child records by parent key (comments by ticket), and the source keys each entity mapped
/// (for references, with duplicates pointing at the record they duplicate).
public final class RunIndex: @unchecked Sendable {
    let db: DatabaseQueue
    public let path: String
    /// Lookups answered from memory (a mapping asks for the same users for every ticket and comment).
    let sourceRecords: SourceRecordCache

    /// A fresh index file at `path` (an existing one is replaced).
    public convenience init(path: String) throws {
        try self.init(path: path, cacheLimits: .standard)
    }

    init(path: String, cacheLimits: SourceRecordCache.Limits) throws {
        self.path = path
        sourceRecords = SourceRecordCache(limits: cacheLimits)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        var config = Configuration()
        config.journalMode = .wal
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = OFF") }  // scratch data, rebuilt on every run
        db = try DatabaseQueue(path: path, configuration: config)
        try db.write { db in
            try db.execute(sql: """
                CREATE TABLE source_index (name TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, version TEXT NOT NULL DEFAULT '',
                    PRIMARY KEY (name, key)) WITHOUT ROWID;
                CREATE TABLE child (entity TEXT NOT NULL, child TEXT NOT NULL, parent_key TEXT NOT NULL, seq INTEGER NOT NULL,
                    file TEXT NOT NULL, line INTEGER NOT NULL, data TEXT NOT NULL, child_key TEXT, sort TEXT NOT NULL DEFAULT '',
                    pointer TEXT, PRIMARY KEY (entity, child, parent_key, seq)) WITHOUT ROWID;
                CREATE UNIQUE INDEX child_once ON child (entity, child, parent_key, child_key) WHERE child_key IS NOT NULL;
                CREATE TABLE parent_seen (entity TEXT NOT NULL, key TEXT NOT NULL, outcome TEXT NOT NULL, PRIMARY KEY (entity, key)) WITHOUT ROWID;
                CREATE TABLE latest (entity TEXT NOT NULL, key TEXT NOT NULL, version TEXT NOT NULL, file TEXT NOT NULL, idx INTEGER NOT NULL,
                    line INTEGER NOT NULL, PRIMARY KEY (entity, key)) WITHOUT ROWID;
                CREATE TABLE mapped_key (entity TEXT NOT NULL, key TEXT NOT NULL, canonical TEXT NOT NULL, PRIMARY KEY (entity, key)) WITHOUT ROWID;
                CREATE TABLE dedupe (entity TEXT NOT NULL, value TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL, idx INTEGER NOT NULL,
                    key TEXT NOT NULL, PRIMARY KEY (entity, value)) WITHOUT ROWID;
                """)
        }
    }

    deinit {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Indexes every record of `reader` under `name` by the value at `keyPath`. Returns records indexed and
    /// problems met (unreadable records are reported by the entity that reads the file itself).
    /// With `versionPaths` (an index's `latestBy`), a key met again keeps its latest copy (greatest version, the
    /// last read on a tie; a copy without a version never replaces one with it); without, the last copy read.
    public func buildSourceIndex(name: String, reader: inout some RecordReader, keyPath: String, versionPaths: [String] = []) throws -> Int {
        var count = 0
        // Lookups cached before (a key not found yet, say) must not outlive the write; nor one read during it.
        sourceRecords.invalidate()
        defer { sourceRecords.invalidate() }
        try db.write { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO source_index (name, key, data, version) VALUES (?, ?, ?, ?)
                ON CONFLICT (name, key) DO UPDATE SET data = excluded.data, version = excluded.version WHERE excluded.version >= source_index.version
                """)
            while let item = try reader.next() {
                guard case .record(let r) = item, let key = r.value(at: keyPath)?.scalarText else { continue }
                let version = versionPaths.map { SortKey.of(r.value(at: $0), missing: "") }.joined(separator: "\u{1}")
                try statement.execute(arguments: [name, key, JSONSerializer.string(.object(r.fields)), version])
                count += 1
            }
        }
        return count
    }

    /// What indexing one source of child records met.
    public struct ChildIndexResult: Sendable {
        public var indexed = 0
        /// Children already indexed under the same child key (the same comment in a comment page and an audit).
        public var duplicates = 0
        public var problems: [ReaderError] = []
    }

    /// Indexes child records by their parent key, keeping file order (and `order`, when given, first). With
    /// `unnest`, each element of that array field is a child, with the fields of its record it lacks; only
    /// children meeting the source's conditions are kept. A child whose `childKey` was indexed before is a duplicate.
    public func buildChildIndex(entity: String, child: String, reader: inout some RecordReader, source: ChildSource,
                                childKey: String?, order: [String], conditions: [Condition] = []) throws -> ChildIndexResult {
        var result = ChildIndexResult()
        try db.write { db in
            var seq = try Int.fetchOne(db, sql: "SELECT MAX(seq) FROM child WHERE entity = ? AND child = ?", arguments: [entity, child]) ?? 0
            let statement = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO child (entity, child, parent_key, seq, file, line, data, child_key, sort, pointer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            func add(_ r: Record) throws {
                guard (source.conditions + conditions).allSatisfy({ Mapper.holds($0, r.value(at: $0.field)) }) else { return }
                guard let key = r.value(at: source.parentKey)?.scalarText, !key.isEmpty else {
                    result.problems.append(ReaderError(file: r.location.file, line: r.location.line,
                                                       message: "\(r.location.pointer.map { "\($0): " } ?? "")child record has no '\(source.parentKey)'; it cannot be joined to a parent (name the parent in the file pattern, e.g. 'comments-{\(source.parentKey)}.json')"))
                    return
                }
                seq += 1
                let sort = SortKey.of(order.lazy.compactMap { r.value(at: $0) }.first { !Mapper.isEmpty($0) })
                try statement.execute(arguments: [entity, child, key, seq, r.location.file, r.location.line, JSONSerializer.string(.object(r.fields)),
                                                  childKey.flatMap { r.value(at: $0)?.scalarText }, sort, r.location.pointer])
                if db.changesCount == 0 { result.duplicates += 1 } else { result.indexed += 1 }
            }
            while let item = try reader.next() {
                switch item {
                case .record(let r):
                    guard let field = source.unnest else { try add(r); continue }
                    guard let elements = r.value(at: field)?.arrayValue else { continue }
                    var outer = r.fields
                    outer[field] = nil
                    for (i, e) in elements.enumerated() {
                        guard var o = e.objectValue else { continue }
                        for (k, v) in zip(outer.keys, outer.values) where o[k] == nil { o[k] = v }
                        var location = r.location
                        location.pointer = "\(r.location.pointer ?? "")/\(field)/\(i)"
                        try add(Record(fields: o, location: location))
                    }
                case .problem(let p): result.problems.append(p)
                case .warning: break
                }
            }
        }
        return result
    }

    /// Remembers what became of parent records (mapped, skipped, rejected), so children no parent took are accounted for.
    public func registerParents(entity: String, _ outcomes: [(key: String, outcome: String)]) throws {
        guard !outcomes.isEmpty else { return }
        try db.write { db in
            // A parent mapped once keeps its children, whatever became of another copy of it.
            let statement = try db.makeStatement(sql: """
                INSERT INTO parent_seen (entity, key, outcome) VALUES (?, ?, ?)
                ON CONFLICT (entity, key) DO UPDATE SET outcome = excluded.outcome WHERE parent_seen.outcome != 'mapped'
                """)
            for o in outcomes { try statement.execute(arguments: [entity, o.key, o.outcome]) }
        }
    }

    /// Children of `entity` no mapped parent took, grouped by parent key: the parent's outcome (nil: not in the
    /// export), how many, and where the first one is.
    public func unclaimedChildren(entity: String, child: String) throws -> [(parentKey: String, outcome: String?, count: Int, file: String, line: Int)] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.parent_key AS k, p.outcome AS o, COUNT(*) AS n, MIN(c.file) AS f, MIN(c.line) AS l FROM child c
                LEFT JOIN parent_seen p ON p.entity = c.entity AND p.key = c.parent_key
                WHERE c.entity = ? AND c.child = ? AND (p.outcome IS NULL OR p.outcome != 'mapped')
                GROUP BY c.parent_key, p.outcome ORDER BY MIN(c.seq)
                """, arguments: [entity, child]).map { ($0["k"], $0["o"], $0["n"], $0["f"], $0["l"]) }
        }
    }

    // MARK: Latest versions

    /// Indexes, for every key of `entity`, where its latest version is (greatest `versionPath`, the last one read on a tie).
    public func buildLatest(entity: String, reader: inout some RecordReader, keyPath: String, versionPaths: [String]) throws -> (records: Int, keys: Int) {
        var records = 0
        try db.write { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO latest (entity, key, version, file, idx, line) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (entity, key) DO UPDATE SET version = excluded.version, file = excluded.file, idx = excluded.idx, line = excluded.line
                WHERE excluded.version >= latest.version
                """)
            while let item = try reader.next() {
                guard case .record(let r) = item, let key = r.value(at: keyPath)?.scalarText, !key.isEmpty else { continue }
                records += 1
                // Compared as text: each part is normalised so that text order is time or number order.
                let version = versionPaths.map { SortKey.of(r.value(at: $0), missing: "") }.joined(separator: "\u{1}")
                try statement.execute(arguments: [entity, key, version, r.location.file, r.location.index, r.location.line])
            }
        }
        let keys = try db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM latest WHERE entity = ?", arguments: [entity]) ?? 0 }
        return (records, keys)
    }

    public func latest(entity: String, key: String) throws -> SourceLocation? {
        try db.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT file, idx, line FROM latest WHERE entity = ? AND key = ?"), arguments: [entity, key])
                .map { SourceLocation(file: $0["file"], line: $0["line"], index: $0["idx"]) }
        }
    }

    public func sourceRecord(index: String, key: String) throws -> JSONObject? {
        try sourceRecords.value(index: index, key: key) { try storedSourceRecord(index: index, key: key) }
    }

    /// The record as stored (through a prepared statement kept by the connection), and its JSON text's length.
    func storedSourceRecord(index: String, key: String) throws -> (JSONObject?, Int) {
        guard let text = try db.read({ db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT data FROM source_index WHERE name = ? AND key = ?"), arguments: [index, key])
        }) else { return (nil, 0) }
        return (try JSONParser.parse(text).objectValue, text.utf8.count)
    }

    public func children(entity: String, child: String, parentKey: String) throws -> [Record] {
        let rows = try db.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT file, line, seq, data, pointer FROM child WHERE entity = ? AND child = ? AND parent_key = ? ORDER BY sort, seq"),
                             arguments: [entity, child, parentKey])
        }
        return try rows.enumerated().map { i, row in
            let fields = try JSONParser.parse(row["data"] as String).objectValue ?? JSONObject()
            return Record(fields: fields, location: SourceLocation(file: row["file"], line: row["line"], index: i + 1, pointer: row["pointer"]))
        }
    }

    /// Records that `entity` mapped these keys (each with its own key as canonical, or the key of the record
    /// it duplicates).
    public func registerKeys(entity: String, _ keys: [(key: String, canonical: String)]) throws {
        guard !keys.isEmpty else { return }
        try db.write { db in
            let statement = try db.makeStatement(sql: "INSERT OR REPLACE INTO mapped_key (entity, key, canonical) VALUES (?, ?, ?)")
            for k in keys { try statement.execute(arguments: [entity, k.key, k.canonical]) }
        }
    }

    public func canonicalKey(entity: String, key: String) throws -> String? {
        try db.read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT canonical FROM mapped_key WHERE entity = ? AND key = ?"), arguments: [entity, key])
        }
    }

    // MARK: Dedupe

    /// The first record of each dedupe value, on disk: memory does not grow with the number of customers.
    public func firstSeen(entity: String, value: String, location: SourceLocation, key: String) throws -> (SourceLocation, String)? {
        try db.write { db in
            if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT file, line, idx, key FROM dedupe WHERE entity = ? AND value = ?"), arguments: [entity, value]) {
                return (SourceLocation(file: row["file"], line: row["line"], index: row["idx"]), row["key"])
            }
            try db.cachedStatement(sql: "INSERT INTO dedupe (entity, value, file, line, idx, key) VALUES (?, ?, ?, ?, ?, ?)")
                .execute(arguments: [entity, value, location.file, location.line, location.index, key])
            return nil
        }
    }
}

extension RunIndex: DedupeIndex {}
