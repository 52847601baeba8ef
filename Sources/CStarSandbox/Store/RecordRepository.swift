import Foundation
import GRDB

/// One stored record: its id, its JSON (without id/object/timestamps) and timestamps.
struct StoredRecord: Sendable {
    let id: String
    let data: SJSON
    let createdAt: String
    let updatedAt: String
}

/// List query for a resource.
struct ListQuery: Sendable {
    var page = 1
    var pageSize = 20
    var equals: [(field: String, value: DatabaseValue)] = []
    var search: String? = nil
    var searchFields: [String] = []
    var tag: String? = nil
    var createdFrom: String? = nil
    /// Exclusive upper bound (`createdBefore`, documented as exclusive in docs/api-assumptions.md).
    var createdTo: String? = nil
    var refId: String? = nil
    /// All rows, no page (plain-array lists, exports).
    var unpaged = false
    var limit: Int? = nil
    /// Oldest first by createdAt (exports) instead of creation order.
    var orderByCreation = false
}

/// Record access for one team inside a database transaction. Every statement is scoped by team id.
struct RecordRepository {
    let db: Database
    let teamId: String

    // MARK: Reading

    func get(_ schema: ResourceSchema, id rawId: String) throws -> StoredRecord? {
        let id = schema.canonicalId(rawId)
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT id, data, created_at FROM record WHERE team_id = ? AND resource = ? AND id = ?"),
                                         arguments: [teamId, schema.path, id]) else { return nil }
        return Self.stored(row)
    }

    static func stored(_ row: Row) -> StoredRecord {
        let json = SJSON.parse(text: row["data"]) ?? .object([])
        let updated = json["updatedAt"]?.stringValue ?? row["created_at"]
        return StoredRecord(id: row["id"], data: json.removing("updatedAt"), createdAt: row["created_at"], updatedAt: updated)
    }

    func findByKey(_ schema: ResourceSchema, key: MatchKey, value: String) throws -> StoredRecord? {
        let v = key.caseInsensitive ? value.lowercased() : value
        guard let recordId = try String.fetchOne(try db.cachedStatement(sql: "SELECT record_id FROM record_key WHERE team_id = ? AND resource = ? AND name = ? AND value = ?"),
                                                 arguments: [teamId, schema.path, key.field, v]) else { return nil }
        return try get(schema, id: recordId)
    }

    func list(_ schema: ResourceSchema, _ q: ListQuery) throws -> (items: [StoredRecord], total: Int) {
        var conditions = ["team_id = ?", "resource = ?"]
        var args: [any DatabaseValueConvertible] = [teamId, schema.path]
        for (field, value) in q.equals {
            conditions.append("json_extract(data, ?) = ?")
            args.append("$.\(field)"); args.append(value)
        }
        if let s = q.search, !s.isEmpty, !q.searchFields.isEmpty {
            let like = "%" + s.lowercased().replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append("(" + q.searchFields.map { _ in "lower(json_extract(data, ?)) LIKE ? ESCAPE '\\'" }.joined(separator: " OR ") + ")")
            for f in q.searchFields { args.append("$.\(f)"); args.append(like) }
        }
        if let tag = q.tag {
            conditions.append("EXISTS (SELECT 1 FROM json_each(json_extract(data, '$.tags')) WHERE value = ?)")
            args.append(tag)
        }
        if let from = q.createdFrom { conditions.append("created_at >= ?"); args.append(from) }
        if let to = q.createdTo { conditions.append("created_at < ?"); args.append(to) }
        if let ref = q.refId { conditions.append("ref_id = ?"); args.append(ref) }
        let whereSQL = conditions.joined(separator: " AND ")
        // Unpaged lists (plain arrays, threads, exports) report no total: it is the number of rows (and nobody reads it).
        var total = 0
        if !q.unpaged {
            total = try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM record WHERE \(whereSQL)"), arguments: StatementArguments(args)) ?? 0
        }
        var sql = "SELECT id, data, created_at FROM record WHERE \(whereSQL) ORDER BY \(q.orderByCreation ? "created_at, seq" : "seq")"
        if !q.unpaged {
            sql += " LIMIT ? OFFSET ?"
            args.append(q.pageSize); args.append((q.page - 1) * q.pageSize)
        } else if let limit = q.limit {
            sql += " LIMIT ?"
            args.append(limit)
        }
        let rows = try Row.fetchAll(try db.cachedStatement(sql: sql), arguments: StatementArguments(args))
        return (rows.map(Self.stored), q.unpaged ? rows.count : total)
    }

    func count(_ resource: String, refId: String) throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT COUNT(*) FROM record WHERE team_id = ? AND resource = ? AND ref_id = ?"),
                         arguments: [teamId, resource, refId]) ?? 0
    }

    // MARK: Writing

    /// Inserts a validated record. Unique keys are checked by the caller (409 or import match) before this.
    @discardableResult
    func insert(_ schema: ResourceSchema, data: SJSON, createdAt: String, updatedAt: String?, refId: String? = nil, id: String? = nil) throws -> StoredRecord {
        let id = id ?? schema.newId()
        let updated = updatedAt ?? createdAt
        let ref = refId ?? schema.refField.flatMap { data[$0]?.stringValue }
        try db.cachedStatement(sql: "INSERT INTO record (team_id, resource, id, ref_id, created_at, data) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [teamId, schema.path, id, ref, createdAt, data.setting("updatedAt", .string(updated)).encoded()])
        try writeKeys(schema, id: id, data: data)
        return StoredRecord(id: id, data: data, createdAt: createdAt, updatedAt: updated)
    }

    func replace(_ schema: ResourceSchema, id: String, data: SJSON, updatedAt: String) throws -> StoredRecord? {
        guard let old = try get(schema, id: id) else { return nil }
        let ref = schema.refField.flatMap { data[$0]?.stringValue }
        try db.cachedStatement(sql: "UPDATE record SET data = ?, ref_id = COALESCE(?, ref_id) WHERE team_id = ? AND resource = ? AND id = ?")
            .execute(arguments: [data.setting("updatedAt", .string(updatedAt)).encoded(), ref, teamId, schema.path, old.id])
        try db.cachedStatement(sql: "DELETE FROM record_key WHERE team_id = ? AND resource = ? AND record_id = ?")
            .execute(arguments: [teamId, schema.path, old.id])
        try writeKeys(schema, id: old.id, data: data)
        return StoredRecord(id: old.id, data: data, createdAt: old.createdAt, updatedAt: updatedAt)
    }

    func delete(_ schema: ResourceSchema, id rawId: String) throws -> Bool {
        let id = schema.canonicalId(rawId)
        try db.execute(sql: "DELETE FROM record WHERE team_id = ? AND resource = ? AND id = ?", arguments: [teamId, schema.path, id])
        let deleted = db.changesCount > 0
        try db.execute(sql: "DELETE FROM record_key WHERE team_id = ? AND resource = ? AND record_id = ?", arguments: [teamId, schema.path, id])
        return deleted
    }

    /// Which unique key of `data` is already taken by another record, if any.
    func conflictingKey(_ schema: ResourceSchema, data: SJSON, excluding id: String? = nil) throws -> (MatchKey, StoredRecord)? {
        for key in schema.matchKeys {
            guard let value = data[key.field]?.stringValue, !value.isEmpty else { continue }
            if let found = try findByKey(schema, key: key, value: value), found.id != id { return (key, found) }
        }
        return nil
    }

    private func writeKeys(_ schema: ResourceSchema, id: String, data: SJSON) throws {
        for key in schema.matchKeys {
            guard let value = data[key.field]?.stringValue, !value.isEmpty else { continue }
            try db.cachedStatement(sql: "INSERT INTO record_key (team_id, resource, name, value, record_id) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [teamId, schema.path, key.field, key.caseInsensitive ? value.lowercased() : value, id])
        }
    }
}
