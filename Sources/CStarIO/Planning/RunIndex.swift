import Foundation
import GRDB

/// On-disk indexes of one run, so memory does not grow with the export: source records by key (for
/// lookups), child records by parent key (comments by ticket), and the source keys each entity mapped
/// (for references, with duplicates pointing at the record they duplicate).
public final class RunIndex: @unchecked Sendable {
    let db: DatabaseQueue
    public let path: String

    /// A fresh index file at `path` (an existing one is replaced).
    public init(path: String) throws {
        self.path = path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        var config = Configuration()
        config.journalMode = .wal
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = OFF") }  // scratch data, rebuilt on every run
        db = try DatabaseQueue(path: path, configuration: config)
        try db.write { db in
            try db.execute(sql: """
                CREATE TABLE source_index (name TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID;
                CREATE TABLE child (entity TEXT NOT NULL, child TEXT NOT NULL, parent_key TEXT NOT NULL, seq INTEGER NOT NULL,
                    file TEXT NOT NULL, line INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (entity, child, parent_key, seq)) WITHOUT ROWID;
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
    public func buildSourceIndex(name: String, reader: inout some RecordReader, keyPath: String) throws -> Int {
        var count = 0
        try db.write { db in
            let statement = try db.makeStatement(sql: "INSERT OR REPLACE INTO source_index (name, key, data) VALUES (?, ?, ?)")
            while let item = try reader.next() {
                guard case .record(let r) = item, let key = r.value(at: keyPath)?.scalarText else { continue }
                try statement.execute(arguments: [name, key, JSONSerializer.string(.object(r.fields))])
                count += 1
            }
        }
        return count
    }

    /// Indexes child records by the value at `parentKeyPath`, keeping file order.
    public func buildChildIndex(entity: String, child: String, reader: inout some RecordReader, parentKeyPath: String) throws -> (indexed: Int, problems: [ReaderError]) {
        var count = 0
        var problems: [ReaderError] = []
        try db.write { db in
            let statement = try db.makeStatement(sql: "INSERT INTO child (entity, child, parent_key, seq, file, line, data) VALUES (?, ?, ?, ?, ?, ?, ?)")
            while let item = try reader.next() {
                switch item {
                case .record(let r):
                    guard let key = r.value(at: parentKeyPath)?.scalarText else {
                        problems.append(ReaderError(file: r.location.file, line: r.location.line, message: "child record has no '\(parentKeyPath)'; it cannot be joined to a parent"))
                        continue
                    }
                    count += 1
                    try statement.execute(arguments: [entity, child, key, count, r.location.file, r.location.line, JSONSerializer.string(.object(r.fields))])
                case .problem(let p): problems.append(p)
                case .warning: break
                }
            }
        }
        return (count, problems)
    }

    public func sourceRecord(index: String, key: String) throws -> JSONObject? {
        guard let text = try db.read({ db in
            try String.fetchOne(db, sql: "SELECT data FROM source_index WHERE name = ? AND key = ?", arguments: [index, key])
        }) else { return nil }
        return try JSONParser.parse(text).objectValue
    }

    public func children(entity: String, child: String, parentKey: String) throws -> [Record] {
        let rows = try db.read { db in
            try Row.fetchAll(db, sql: "SELECT file, line, seq, data FROM child WHERE entity = ? AND child = ? AND parent_key = ? ORDER BY seq",
                             arguments: [entity, child, parentKey])
        }
        return try rows.enumerated().map { i, row in
            let fields = try JSONParser.parse(row["data"] as String).objectValue ?? JSONObject()
            return Record(fields: fields, location: SourceLocation(file: row["file"], line: row["line"], index: i + 1))
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
            try String.fetchOne(db, sql: "SELECT canonical FROM mapped_key WHERE entity = ? AND key = ?", arguments: [entity, key])
        }
    }

    // MARK: Dedupe

    /// The first record of each dedupe value, on disk: memory does not grow with the number of customers.
    public func firstSeen(entity: String, value: String, location: SourceLocation, key: String) throws -> (SourceLocation, String)? {
        try db.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT file, line, idx, key FROM dedupe WHERE entity = ? AND value = ?", arguments: [entity, value]) {
                return (SourceLocation(file: row["file"], line: row["line"], index: row["idx"]), row["key"])
            }
            try db.execute(sql: "INSERT INTO dedupe (entity, value, file, line, idx, key) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [entity, value, location.file, location.line, location.index, key])
            return nil
        }
    }
}

extension RunIndex: DedupeIndex {}
