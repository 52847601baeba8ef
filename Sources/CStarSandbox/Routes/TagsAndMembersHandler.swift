import Foundation
import GRDB

/// `/tags`: the team's ticket tag list with usage counts.
struct TagsHandler {
    let router: Router

    func run() throws -> SandboxResponse {
        let rest = router.ctx.rest
        let team = router.ctx.teamId
        switch (router.method, rest.count) {
        case ("GET", 1):
            let rows = try Row.fetchAll(router.db, sql: """
                SELECT name, SUM(used) AS count FROM (
                    SELECT value AS name, 1 AS used FROM record, json_each(json_extract(record.data, '$.tags'))
                        WHERE record.team_id = ? AND record.resource = 'tickets'
                    UNION ALL
                    SELECT id AS name, 0 AS used FROM record WHERE team_id = ? AND resource = 'tags'
                ) GROUP BY name ORDER BY name
                """, arguments: [team, team])
            let tags: [SJSON] = rows.map { .object([("object", .string("tag")), ("name", .string($0["name"])), ("count", .int($0["count"]))]) }
            return .success(.array(tags), requestId: router.ctx.requestId)
        case ("POST", 1):
            let body = try router.ctx.body()
            guard let name = body["name"]?.stringValue?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { throw APIError.missing("name") }
            guard name.count <= 100 else { throw APIError.invalid("name", "Tag names are at most 100 characters.") }
            if try Int.fetchOne(router.db, sql: "SELECT COUNT(*) FROM record WHERE team_id = ? AND resource = 'tags' AND id = ?", arguments: [team, name]) ?? 0 > 0 {
                throw APIError(status: 409, type: "invalid_request_error", code: "resource_already_exists", message: "The tag '\(name)' already exists.", param: "name")
            }
            try router.db.execute(sql: "INSERT INTO record (team_id, resource, id, created_at, data) VALUES (?, 'tags', ?, ?, '{}')",
                                  arguments: [team, name, Timestamps.format(Date())])
            let count = try usage(name)
            return .success(.object([("object", .string("tag")), ("name", .string(name)), ("count", .int(Int64(count)))]), status: 201, requestId: router.ctx.requestId)
        case ("DELETE", 2):
            let name = rest[1].removingPercentEncoding ?? rest[1]
            let count = try usage(name)
            guard count == 0 else {
                throw APIError(status: 409, type: "invalid_request_error", code: "tag_in_use", message: "The tag '\(name)' is used by \(count) ticket(s); remove it from them first.", param: "name")
            }
            try router.db.execute(sql: "DELETE FROM record WHERE team_id = ? AND resource = 'tags' AND id = ?", arguments: [team, name])
            guard router.db.changesCount > 0 else { throw APIError.notFound("Tag") }
            return .success(.object([("object", .string("tag")), ("name", .string(name)), ("deleted", .bool(true))]), requestId: router.ctx.requestId)
        default:
            throw router.notFound()
        }
    }

    func usage(_ name: String) throws -> Int {
        try Int.fetchOne(router.db, sql: """
            SELECT COUNT(*) FROM record, json_each(json_extract(record.data, '$.tags'))
            WHERE record.team_id = ? AND record.resource = 'tickets' AND json_each.value = ?
            """, arguments: [router.ctx.teamId, name]) ?? 0
    }
}

/// `/customer-groups/{id}/members`: membership of customers in groups (paths are an assumption; see docs).
struct GroupMembersHandler {
    let router: Router
    let groupId: String

    func run() throws -> SandboxResponse {
        let repo = router.repo
        guard let group = try repo.get(Schemas.customerGroups, id: groupId) else { throw APIError.notFound("Customer group") }
        let team = router.ctx.teamId
        let rest = router.ctx.rest
        switch (router.method, rest.count) {
        case ("GET", 3):
            let page = try router.ctx.intQuery("page", default: 1, range: 1...1_000_000)
            let pageSize = try router.ctx.intQuery("pageSize", default: 20, range: 1...100)
            let total = try Int.fetchOne(router.db, sql: "SELECT COUNT(*) FROM membership WHERE team_id = ? AND group_id = ?", arguments: [team, group.id]) ?? 0
            let ids = try String.fetchAll(router.db, sql: "SELECT customer_id FROM membership WHERE team_id = ? AND group_id = ? ORDER BY created_at, customer_id LIMIT ? OFFSET ?",
                                          arguments: [team, group.id, pageSize, (page - 1) * pageSize])
            let customers = try ids.compactMap { try repo.get(Schemas.customers, id: $0) }.map { try router.renderer.render(Schemas.customers, $0) }
            return try router.paged(customers, total: total, page: page, pageSize: pageSize)
        case ("POST", 3):
            let body = try router.ctx.body()
            guard let items = body["customerIds"]?.arrayValue else { throw APIError.missing("customerIds") }
            guard items.count <= 100 else { throw APIError.invalid("customerIds", "At most 100 customers per request.") }
            var added = 0
            for (i, item) in items.enumerated() {
                guard let raw = item.stringValue else { throw APIError.invalid("customerIds[\(i)]", "Customer ids are strings.") }
                guard let c = try repo.get(Schemas.customers, id: raw) else { throw APIError.invalid("customerIds[\(i)]", "No such customer: '\(raw)'.") }
                try router.db.execute(sql: "INSERT OR IGNORE INTO membership (team_id, group_id, customer_id, created_at) VALUES (?, ?, ?, ?)",
                                      arguments: [team, group.id, c.id, Timestamps.format(Date())])
                added += router.db.changesCount
            }
            let count = try Int.fetchOne(router.db, sql: "SELECT COUNT(*) FROM membership WHERE team_id = ? AND group_id = ?", arguments: [team, group.id]) ?? 0
            return .success(.object([("object", .string("customer_group_membership")), ("groupId", .string(group.id)),
                                     ("added", .int(Int64(added))), ("customerCount", .int(Int64(count)))]), requestId: router.ctx.requestId)
        case ("DELETE", 4):
            let customerId = Schemas.customers.canonicalId(rest[3])
            try router.db.execute(sql: "DELETE FROM membership WHERE team_id = ? AND group_id = ? AND customer_id = ?", arguments: [team, group.id, customerId])
            guard router.db.changesCount > 0 else { throw APIError.notFound("Membership") }
            return .success(.object([("object", .string("customer_group_membership")), ("groupId", .string(group.id)),
                                     ("customerId", .string(customerId)), ("deleted", .bool(true))]), requestId: router.ctx.requestId)
        default:
            throw router.notFound()
        }
    }
}
