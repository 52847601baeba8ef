import Foundation
import GRDB

/// `POST /export`: up to 10,000 rows per resource, oldest first; JSON for several resources, CSV for one.
struct ExportHandler {
    let router: Router
    static let maxRows = 10_000
    static let resources = ["tickets": Schemas.tickets, "customers": Schemas.customers, "articles": Schemas.articles]

    struct Spec {
        let schema: ResourceSchema
        let query: ListQuery
        let includeMessages: Bool
    }

    func run() throws -> SandboxResponse {
        let body = try router.ctx.body()
        guard body.objectPairs != nil else { throw APIError.invalid("body", "Expected a JSON object.") }
        let format = body["format"]?.stringValue ?? "json"
        guard ["json", "csv"].contains(format) else { throw APIError.invalid("format", "'format' must be 'json' or 'csv'.") }
        guard let list = body["resources"], !list.isNull else { throw APIError.missing("resources") }
        guard let items = list.arrayValue, !items.isEmpty else { throw APIError.invalid("resources", "'resources' must be a non-empty array of {type, filters}.") }
        let specs = try items.enumerated().map { try spec($1, param: "resources[\($0)]") }
        if format == "csv" {
            guard specs.count == 1 else { throw APIError.invalid("resources", "CSV exports hold one resource; use JSON for several.") }
            return try csv(specs[0])
        }
        var out: [(String, SJSON)] = []
        var truncated: [(String, SJSON)] = []
        var total = 0
        for s in specs {
            let (rows, more) = try fetch(s)
            total += rows.count
            out.append((s.schema.path, .array(rows)))
            truncated.append((s.schema.path, .bool(more)))
        }
        return .success(.object([
            ("object", .string("export")), ("format", .string("json")), ("totalRows", .int(Int64(total))),
            ("resources", .object(out)), ("truncated", .object(truncated)),
        ]), requestId: router.ctx.requestId)
    }

    func spec(_ item: SJSON, param: String) throws -> Spec {
        guard let type = item["type"]?.stringValue else { throw APIError.missing("\(param).type") }
        guard let schema = Self.resources[type] else {
            throw APIError.invalid("\(param).type", "'\(type)' cannot be exported; one of: tickets, customers, articles.")
        }
        var q = ListQuery()
        q.unpaged = true
        q.limit = Self.maxRows + 1
        q.orderByCreation = true
        if let filters = item["filters"], !filters.isNull {
            guard let pairs = filters.objectPairs else { throw APIError.invalid("\(param).filters", "'filters' must be an object.") }
            for (k, v) in pairs {
                guard let s = v.stringValue else { throw APIError.invalid("\(param).filters.\(k)", "Filter values are strings.") }
                switch k {
                case "status", "priority", "customerId", "assignedTo", "category":
                    q.equals.append((k, (k == "customerId" ? Schemas.customers.canonicalId(s) : s).databaseValue))
                case "createdAfter", "createdBefore":
                    guard let d = Timestamps.parse(s) else { throw APIError.invalid("\(param).filters.\(k)", "'\(k)' must be an ISO 8601 timestamp.") }
                    if k == "createdAfter" { q.createdFrom = Timestamps.format(d) } else { q.createdTo = Timestamps.format(d) }
                default:
                    throw APIError.invalid("\(param).filters.\(k)", "Unknown filter '\(k)'; known: status, priority, customerId, assignedTo, category, createdAfter, createdBefore.")
                }
            }
        }
        let include = item["include"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return Spec(schema: schema, query: q, includeMessages: schema.path == "tickets" && include.contains("messages"))
    }

    /// Rows oldest first (createdAt, then creation order); `more` says the 10,000-row cap cut the list.
    func fetch(_ s: Spec) throws -> ([SJSON], Bool) {
        let items = try router.repo.list(s.schema, s.query).items
        let more = items.count > Self.maxRows
        var rows: [SJSON] = []
        for r in items.prefix(Self.maxRows) {
            var row = try router.renderer.render(s.schema, r)
            if s.includeMessages {
                var q = ListQuery()
                q.unpaged = true
                q.refId = r.id
                let msgs = try router.repo.list(Schemas.messages, q).items.sorted { $0.createdAt < $1.createdAt }
                row = row.setting("messages", .array(try msgs.map { try router.renderer.render(Schemas.messages, $0) }))
            }
            rows.append(row)
        }
        return (rows, more)
    }

    func csv(_ s: Spec) throws -> SandboxResponse {
        let (rows, more) = try fetch(s)
        var columns = ["id"] + s.schema.fields.map(\.name)
        switch s.schema.path {
        case "customers": columns.append("ticketCount")
        case "tickets": columns.append("messageCount")
        default: break
        }
        columns += ["createdAt", "updatedAt"]
        var text = columns.map(Self.cell).joined(separator: ",") + "\r\n"
        for row in rows {
            text += columns.map { c -> String in
                guard let v = row[c] else { return "" }
                switch v {
                case .null: return ""
                case .string(let s): return Self.cell(s)
                case .array, .object: return Self.cell(v.encoded())
                case .bool(let b): return b ? "true" : "false"
                default: return v.encoded()
                }
            }.joined(separator: ",") + "\r\n"
        }
        var response = SandboxResponse.csv(text)
        response.headers.append(("X-Export-Total-Rows", String(rows.count)))
        response.headers.append(("X-Export-Truncated", more ? "true" : "false"))
        return response
    }

    static func cell(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
