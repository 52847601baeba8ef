import CStarHash
import Foundation
import GRDB

/// `POST /import`: up to 500 customers, tickets (with inline messages) or articles; duplicates matched by
/// customer email (case-insensitive), ticket/article externalId and article slug.
struct ImportHandler {
    let router: Router
    static let maxRecords = 500
    static let resources = ["customers": Schemas.customers, "tickets": Schemas.tickets, "articles": Schemas.articles]

    func run() throws -> SandboxResponse {
        let body = try router.ctx.body()
        guard body.objectPairs != nil else { throw APIError.invalid("body", "Expected a JSON object.") }
        guard let resourceValue = body["resource"], !resourceValue.isNull else { throw APIError.missing("resource") }
        guard let resource = resourceValue.stringValue, let schema = Self.resources[resource] else {
            throw APIError.invalid("resource", "'resource' must be one of: customers, tickets, articles.")
        }
        guard let recordsValue = body["records"], !recordsValue.isNull else { throw APIError.missing("records") }
        guard let records = recordsValue.arrayValue else { throw APIError.invalid("records", "'records' must be an array.") }
        guard records.count <= Self.maxRecords else {
            throw APIError(status: 400, type: "invalid_request_error", code: "too_many_records",
                           message: "At most \(Self.maxRecords) records per import request; got \(records.count). Split the records into batches.",
                           param: "records")
        }
        let strategy = body["mergeStrategy"]?.stringValue ?? "skip"
        guard ["skip", "update"].contains(strategy), body["mergeStrategy"].map({ $0.isNull || $0.stringValue != nil }) ?? true else {
            throw APIError.invalid("mergeStrategy", "'mergeStrategy' must be 'skip' or 'update'.")
        }
        let unknown = body.objectPairs!.map(\.0).filter { !["resource", "records", "mergeStrategy"].contains($0) }
        if let u = unknown.first { throw APIError(status: 400, type: "invalid_request_error", code: "parameter_unknown", message: "Unknown field '\(u)'.", param: u) }

        var created = 0, updated = 0, skipped = 0
        var errors: [SJSON] = []
        for (index, record) in records.enumerated() {
            do {
                try router.db.inSavepoint {
                    switch try importOne(schema, record, strategy: strategy) {
                    case .created: created += 1
                    case .updated: updated += 1
                    case .skipped: skipped += 1
                    }
                    return .commit
                }
            } catch let e as APIError where router.ctx.importErrors == .wholeRequest {
                // Nothing of the request is kept: the caller's transaction rolls back on the thrown error.
                throw APIError(status: 400, type: e.type, code: e.code, message: "Record \(index): \(e.message)",
                               param: "records[\(index)]" + (e.param.map { ".\($0)" } ?? ""))
            } catch let e as APIError {
                var item: [(String, SJSON)] = [("index", .int(Int64(index))), ("code", .string(e.code)), ("message", .string(e.message))]
                item.append(("param", e.param.map { .string($0) } ?? .null))
                errors.append(.object(item))
            }
        }
        return .success(.object([
            ("object", .string("import_result")), ("resource", .string(resource)), ("total", .int(Int64(records.count))),
            ("created", .int(Int64(created))), ("updated", .int(Int64(updated))), ("skipped", .int(Int64(skipped))),
            ("errors", .array(errors)),
        ]), requestId: router.ctx.requestId)
    }

    enum Result { case created, updated, skipped }

    func importOne(_ schema: ResourceSchema, _ record: SJSON, strategy: String) throws -> Result {
        let repo = router.repo
        let validator = RecordValidator(schema: schema, repo: repo)
        let extra: Set<String> = schema.path == "tickets" ? ["messages", "createdAt", "updatedAt"] : ["createdAt", "updatedAt"]
        let data = try router.checkTicketCustomer(schema, try validator.build(record, existing: nil, extraAllowed: extra))
        let createdAt = try timestamp(record, "createdAt")
        let updatedAt = try timestamp(record, "updatedAt")
        let messages = try validatedMessages(schema, record)
        if let (_, existing) = try repo.conflictingKey(schema, data: data) {
            guard strategy == "update" else { return .skipped }
            var merged = try validator.build(record, existing: existing.data, extraAllowed: extra)
            merged = Router.mergeMetadata(merged, patch: record, existing: existing.data)
            if try repo.conflictingKey(schema, data: merged, excluding: existing.id) != nil { return .skipped }
            _ = try repo.replace(schema, id: existing.id, data: merged, updatedAt: updatedAt ?? Timestamps.format(Date()))
            return .updated
        }
        let stored = try repo.insert(schema, data: data, createdAt: createdAt ?? Timestamps.format(Date()), updatedAt: updatedAt)
        let nth = router.ctx.loseEveryNthImport
        if nth > 0, SHA256.hex(data.encoded()).utf8.reduce(0, { ($0 &* 31 &+ Int($1)) & 0xFFFFFF }) % nth == 0 {
            // Rehearsal fault: acknowledged as created, then lost (chosen by the record's content, so deterministic).
            try router.db.execute(sql: "DELETE FROM record WHERE team_id = ? AND id = ?", arguments: [router.ctx.teamId, stored.id])
            return .created
        }
        for m in messages {
            let at = (m["createdAt"]?.stringValue).flatMap(Timestamps.parse).map(Timestamps.format) ?? stored.createdAt
            try repo.insert(Schemas.messages, data: m.removing("createdAt").setting("ticketId", .string(stored.id)),
                            createdAt: at, updatedAt: nil, refId: stored.id)
        }
        return .created
    }

    func timestamp(_ record: SJSON, _ field: String) throws -> String? {
        guard let v = record[field], !v.isNull else { return nil }
        guard let s = v.stringValue, let d = Timestamps.parse(s) else {
            throw APIError.invalid(field, "'\(field)' must be an ISO 8601 timestamp.")
        }
        return Timestamps.format(d)
    }

    func validatedMessages(_ schema: ResourceSchema, _ record: SJSON) throws -> [SJSON] {
        guard schema.path == "tickets", let raw = record["messages"], !raw.isNull else { return [] }
        guard let items = raw.arrayValue else { throw APIError.invalid("messages", "'messages' must be an array.") }
        let validator = RecordValidator(schema: Schemas.messages, repo: router.repo)
        return try items.enumerated().map { i, m in
            let built = try validator.build(m, existing: nil, paramPrefix: "messages[\(i)].", extraAllowed: ["createdAt"])
            if let at = m["createdAt"], !at.isNull {
                guard let s = at.stringValue, Timestamps.parse(s) != nil else {
                    throw APIError.invalid("messages[\(i)].createdAt", "'createdAt' must be an ISO 8601 timestamp.")
                }
                return built.setting("createdAt", at)
            }
            return built
        }
    }
}
