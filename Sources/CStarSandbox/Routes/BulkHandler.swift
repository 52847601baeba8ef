import Foundation
import GRDB

/// `POST /bulk`: update or delete up to 100 tickets, customers or articles; failures are reported per id.
struct BulkHandler {
    let router: Router
    static let maxIds = 100
    static let resources = ["tickets": Schemas.tickets, "customers": Schemas.customers, "articles": Schemas.articles]

    func run() throws -> SandboxResponse {
        let body = try router.ctx.body()
        guard body.objectPairs != nil else { throw APIError.invalid("body", "Expected a JSON object.") }
        guard let action = body["action"]?.stringValue else { throw APIError.missing("action") }
        guard ["update", "delete"].contains(action) else { throw APIError.invalid("action", "'action' must be 'update' or 'delete'.") }
        guard let resource = body["resource"]?.stringValue else { throw APIError.missing("resource") }
        guard let schema = Self.resources[resource] else { throw APIError.invalid("resource", "'resource' must be one of: tickets, customers, articles.") }
        guard let idsValue = body["ids"], !idsValue.isNull else { throw APIError.missing("ids") }
        guard let idItems = idsValue.arrayValue, idItems.allSatisfy({ $0.stringValue != nil }) else {
            throw APIError.invalid("ids", "'ids' must be an array of id strings.")
        }
        guard !idItems.isEmpty else { throw APIError.invalid("ids", "'ids' must not be empty.") }
        guard idItems.count <= Self.maxIds else {
            throw APIError(status: 400, type: "invalid_request_error", code: "too_many_ids",
                           message: "At most \(Self.maxIds) ids per bulk request; got \(idItems.count).", param: "ids")
        }
        let ids = idItems.compactMap(\.stringValue)
        var patch: SJSON = .object([])
        if action == "update" {
            guard let d = body["data"], d.objectPairs != nil, !(d.objectPairs!.isEmpty) else {
                throw APIError.missing("data")
            }
            patch = d
            // Validate the shared data once, against a blank record, so a bad field fails the whole request.
            var blank: [(String, SJSON)] = []
            // Placeholders must pass the field checks themselves (a customer's email is checked as an address).
            for f in schema.fields { blank.append((f.name, f.defaultValue ?? .string(f.name == "email" ? "placeholder@example.com" : "x"))) }
            _ = try RecordValidator(schema: schema, repo: router.repo).build(d, existing: .object(blank), paramPrefix: "data.")
        }
        var succeeded = 0
        var errors: [SJSON] = []
        for id in ids {
            do {
                try router.db.inSavepoint {
                    guard let existing = try router.repo.get(schema, id: id) else { throw APIError.notFound(schema.object.capitalized) }
                    if action == "delete" {
                        try router.cascadeDelete(schema, id: existing.id)
                        _ = try router.repo.delete(schema, id: existing.id)
                    } else {
                        var data = try RecordValidator(schema: schema, repo: router.repo).build(patch, existing: existing.data, paramPrefix: "data.")
                        data = Router.mergeMetadata(data, patch: patch, existing: existing.data)
                        if let (key, _) = try router.repo.conflictingKey(schema, data: data, excluding: existing.id) { throw Router.conflict(schema, key) }
                        _ = try router.repo.replace(schema, id: existing.id, data: data, updatedAt: Timestamps.format(Date()))
                    }
                    return .commit
                }
                succeeded += 1
            } catch let e as APIError {
                var item: [(String, SJSON)] = [("id", .string(id)), ("code", .string(e.code)), ("message", .string(e.message))]
                item.append(("param", e.param.map { .string($0) } ?? .null))
                errors.append(.object(item))
            }
        }
        return .success(.object([
            ("object", .string("bulk_result")), ("action", .string(action)), ("resource", .string(resource)),
            ("total", .int(Int64(ids.count))), ("succeeded", .int(Int64(succeeded))), ("failed", .int(Int64(errors.count))),
            ("errors", .array(errors)),
        ]), requestId: router.ctx.requestId)
    }
}
