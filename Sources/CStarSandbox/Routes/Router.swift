import Foundation
import GRDB

/// Dispatches one request (already authenticated and inside a database transaction) to its handler.
struct Router {
    let db: Database
    let ctx: RouteContext
    var repo: RecordRepository { RecordRepository(db: db, teamId: ctx.teamId) }
    var renderer: RecordRenderer { RecordRenderer(repo: repo) }
    var method: String { ctx.request.method }

    func dispatch() throws -> SandboxResponse {
        let rest = ctx.rest
        switch (rest[0], rest.count) {
        case ("import", 1) where method == "POST": return try ImportHandler(router: self).run()
        case ("export", 1) where method == "POST": return try ExportHandler(router: self).run()
        case ("bulk", 1) where method == "POST": return try BulkHandler(router: self).run()
        case ("settings", _): return try SettingsHandler(router: self).run()
        case ("tags", _): return try TagsHandler(router: self).run()
        case ("customer-groups", 3...4) where rest[2] == "members": return try GroupMembersHandler(router: self, groupId: rest[1]).run()
        case ("sla", _) where rest.count >= 2 && rest[1] == "rules":
            return try crud(Schemas.slaRules, id: rest.count == 3 ? rest[2] : nil, extra: rest.count > 3)
        case ("tickets", 3) where rest[2] == "messages":
            return try messages(ticketId: rest[1])
        default:
            break
        }
        guard let schema = Schemas.named(rest[0]), schema.path != "messages" else { throw notFound() }
        if schema.path == "members", method != "GET" { throw notFound() }
        return try crud(schema, id: rest.count >= 2 ? rest[1] : nil, extra: rest.count > 2)
    }

    func notFound() -> APIError { APIError.routeNotFound(method, ctx.request.path) }

    // MARK: Generic CRUD

    func crud(_ schema: ResourceSchema, id: String?, extra: Bool) throws -> SandboxResponse {
        guard !extra else { throw notFound() }
        switch (method, id) {
        case ("GET", nil): return try list(schema)
        case ("POST", nil): return try create(schema)
        case ("GET", let id?):
            guard let r = try repo.get(schema, id: id) else { throw APIError.notFound(schema.object.capitalized) }
            var rendered = try renderer.render(schema, r)
            if schema.path == "tickets" {
                // "GET /tickets/{id} always includes the message thread" (the spec); lists and exports do not.
                rendered = rendered.setting("messages", .array(try thread(of: r.id)))
            }
            return .success(rendered, requestId: ctx.requestId)
        case ("PATCH", let id?): return try update(schema, id: id)
        case ("DELETE", let id?):
            guard let r = try repo.get(schema, id: id) else { throw APIError.notFound(schema.object.capitalized) }
            try cascadeDelete(schema, id: r.id)
            _ = try repo.delete(schema, id: r.id)
            return .success(.object([("id", .string(r.id)), ("object", .string(schema.object)), ("deleted", .bool(true))]), requestId: ctx.requestId)
        default: throw notFound()
        }
    }

    func cascadeDelete(_ schema: ResourceSchema, id: String) throws {
        switch schema.path {
        case "tickets":
            try db.execute(sql: "DELETE FROM record WHERE team_id = ? AND resource = 'messages' AND ref_id = ?", arguments: [ctx.teamId, id])
        case "customers":
            try db.execute(sql: "DELETE FROM membership WHERE team_id = ? AND customer_id = ?", arguments: [ctx.teamId, id])
        case "customer-groups":
            try db.execute(sql: "DELETE FROM membership WHERE team_id = ? AND group_id = ?", arguments: [ctx.teamId, id])
        default: break
        }
    }

    /// The filters each list endpoint documents; anything else in the query is ignored.
    func listQuery(_ schema: ResourceSchema) throws -> ListQuery {
        var q = ListQuery()
        q.page = try ctx.intQuery("page", default: 1, range: 1...1_000_000)
        q.pageSize = try ctx.intQuery("pageSize", default: schema.defaultPageSize, range: 1...100)
        let query = ctx.request.query
        let equalsFilters: [String: [String]] = [
            "customers": ["status", "sentiment"], "tickets": ["status", "priority", "assignedTo", "customerId"],
            "articles": ["status", "category", "isPublic"], "categories": ["isPublic"], "members": ["role"],
            "custom-fields": ["entityType"],
        ]
        for f in equalsFilters[schema.path] ?? [] {
            guard let v = query[f] else { continue }
            switch f {
            case "customerId": q.equals.append((f, Schemas.customers.canonicalId(v).databaseValue))
            case "assignedTo": q.equals.append((f, Schemas.members.canonicalId(v).databaseValue))
            case "isPublic": q.equals.append((f, (v == "true" ? 1 : 0).databaseValue))
            default: q.equals.append((f, v.databaseValue))
            }
        }
        let searchFields: [String: [String]] = [
            "customers": ["name", "email"], "tickets": ["title", "customerName"], "articles": ["title", "content"],
            "customer-groups": ["name"],
        ]
        q.search = query["search"]
        q.searchFields = searchFields[schema.path] ?? []
        if ["customers", "articles", "tickets"].contains(schema.path) { q.tag = query["tag"] }
        return q
    }

    func list(_ schema: ResourceSchema) throws -> SandboxResponse {
        var q = try listQuery(schema)
        if !schema.paginated {
            q.unpaged = true
            let (items, _) = try repo.list(schema, q)
            return .success(.array(try items.map { try renderer.render(schema, $0) }), requestId: ctx.requestId)
        }
        let (items, total) = try repo.list(schema, q)
        var rows = try items.map { try renderer.render(schema, $0) }
        if schema.path == "tickets", ctx.request.query["expand"] == "customer" {
            rows = try rows.map { row in
                guard let cid = row["customerId"]?.stringValue, let c = try repo.get(Schemas.customers, id: cid) else { return row.setting("customer", .null) }
                return row.setting("customer", .object([("id", .string(c.id)), ("name", c.data["name"] ?? .null), ("email", c.data["email"] ?? .null)]))
            }
        }
        return try paged(rows, total: total, page: q.page, pageSize: q.pageSize)
    }

    func paged(_ data: [SJSON], total: Int, page: Int, pageSize: Int) throws -> SandboxResponse {
        let totalPages = (total + pageSize - 1) / pageSize
        let pagination: SJSON = .object([
            ("page", .int(Int64(page))), ("pageSize", .int(Int64(pageSize))), ("total", .int(Int64(total))),
            ("totalPages", .int(Int64(totalPages))), ("hasMore", .bool(page * pageSize < total)),
        ])
        return .success(.array(data), requestId: ctx.requestId, extraMeta: [("pagination", pagination)])
    }

    func create(_ schema: ResourceSchema) throws -> SandboxResponse {
        let validator = RecordValidator(schema: schema, repo: repo)
        let data = try checkTicketCustomer(schema, try validator.build(try ctx.body(), existing: nil))
        if let (key, _) = try repo.conflictingKey(schema, data: data) { throw Self.conflict(schema, key) }
        let now = Timestamps.format(Date())
        let stored = try repo.insert(schema, data: data, createdAt: now, updatedAt: nil)
        return .success(try renderer.render(schema, stored), status: 201, requestId: ctx.requestId)
    }

    func update(_ schema: ResourceSchema, id: String) throws -> SandboxResponse {
        guard let existing = try repo.get(schema, id: id) else { throw APIError.notFound(schema.object.capitalized) }
        let body = try ctx.body()
        let validator = RecordValidator(schema: schema, repo: repo)
        var data = try validator.build(body, existing: existing.data)
        data = Self.mergeMetadata(data, patch: body, existing: existing.data)
        if let (key, _) = try repo.conflictingKey(schema, data: data, excluding: existing.id) { throw Self.conflict(schema, key) }
        guard let stored = try repo.replace(schema, id: existing.id, data: data, updatedAt: Timestamps.format(Date())) else {
            throw APIError.notFound(schema.object.capitalized)
        }
        return .success(try renderer.render(schema, stored), requestId: ctx.requestId)
    }

    /// PATCH merges `metadata` key by key; a key set to null is removed.
    static func mergeMetadata(_ data: SJSON, patch: SJSON, existing: SJSON) -> SJSON {
        guard let patchMeta = patch["metadata"]?.objectPairs else { return data }
        var merged = existing["metadata"]?.objectPairs ?? []
        for (k, v) in patchMeta {
            merged.removeAll { $0.0 == k }
            if !v.isNull { merged.append((k, v)) }
        }
        return data.setting("metadata", .object(merged))
    }

    static func conflict(_ schema: ResourceSchema, _ key: MatchKey) -> APIError {
        APIError(status: 409, type: "invalid_request_error", code: "resource_already_exists",
                 message: "A \(schema.object) with this \(key.field) already exists.", param: key.field)
    }

    /// Tickets need a customer: `customerId` or `customerName`; with only an id, the name is the customer's.
    func checkTicketCustomer(_ schema: ResourceSchema, _ data: SJSON, paramPrefix: String = "") throws -> SJSON {
        guard schema.path == "tickets" else { return data }
        let id = data["customerId"]?.stringValue
        let hasName = !(data["customerName"]?.stringValue ?? "").isEmpty
        if id == nil && !hasName { throw APIError.missing(paramPrefix + "customerId") }
        if let id, !hasName, let c = try repo.get(Schemas.customers, id: id), let name = c.data["name"] {
            return data.setting("customerName", name)
        }
        return data
    }

    // MARK: Messages

    /// A ticket's messages, oldest first, as the API renders them.
    func thread(of ticketId: String) throws -> [SJSON] {
        var q = ListQuery()
        q.unpaged = true
        q.refId = ticketId
        let (items, _) = try repo.list(Schemas.messages, q)
        return try items.sorted { $0.createdAt < $1.createdAt }.map { try renderer.render(Schemas.messages, $0) }
    }

    func messages(ticketId: String) throws -> SandboxResponse {
        guard let ticket = try repo.get(Schemas.tickets, id: ticketId) else { throw APIError.notFound("Ticket") }
        switch method {
        case "GET":
            return .success(.array(try thread(of: ticket.id)), requestId: ctx.requestId)
        case "POST":
            let validator = RecordValidator(schema: Schemas.messages, repo: repo)
            let body = try ctx.body()
            let data = try validator.build(body, existing: nil, extraAllowed: ["createdAt"]).removing("createdAt").setting("ticketId", .string(ticket.id))
            // An original timestamp (ISO 8601) may be given, as on import, so a thread moved in parts keeps its order.
            var createdAt = Timestamps.format(Date())
            if let at = body["createdAt"], !at.isNull {
                guard let text = at.stringValue, let d = Timestamps.parse(text) else {
                    throw APIError.invalid("createdAt", "'createdAt' must be an ISO 8601 timestamp.")
                }
                createdAt = Timestamps.format(d)
            }
            let stored = try repo.insert(Schemas.messages, data: data, createdAt: createdAt, updatedAt: nil, refId: ticket.id)
            return .success(try renderer.render(Schemas.messages, stored), status: 201, requestId: ctx.requestId)
        default: throw notFound()
        }
    }
}
