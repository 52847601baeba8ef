/// The fields of each cStar resource the tool writes or filters on, with the values the spec allows — one table
/// next to the other API assumptions (docs/api-assumptions.md), so `bulk --set`, `bulk --where` and
/// `export --filter` are checked before anything is read or sent, and a dry run cannot preview a change the
/// real run would fail on.
public enum ResourceFields {
    public enum Kind: Sendable, Equatable {
        case text, bool, stringList, object, timestamp, number
        case oneOf([String])
    }

    /// Fields a create/update body may carry (spec §5, §7, §9).
    public static let writable: [String: [String: Kind]] = [
        "tickets": [
            "title": .text, "status": .oneOf(["new", "open", "pending", "resolved", "closed"]),
            "priority": .oneOf(["low", "normal", "high", "urgent"]), "customerId": .text, "customerName": .text, "assignedTo": .text,
            "tags": .stringList, "notes": .text, "metadata": .object, "customFields": .object,
        ],
        "customers": [
            "name": .text, "email": .text, "status": .oneOf(["active", "inactive"]), "sentiment": .text, "tags": .stringList,
            "notes": .text, "metadata": .object, "customFields": .object,
        ],
        "articles": [
            "title": .text, "slug": .text, "excerpt": .text, "content": .text, "category": .text, "categoryId": .text,
            "status": .oneOf(["draft", "published", "archived"]), "tags": .stringList, "notes": .text, "isPublic": .bool,
            "metaDescription": .text, "metadata": .object,
        ],
    ]

    /// Fields records carry but clients do not write (readable, so an export may filter on them).
    public static let readOnly: [String: [String: Kind]] = [
        "tickets": ["id": .text, "messageCount": .number, "createdAt": .timestamp, "updatedAt": .timestamp, "resolvedAt": .timestamp,
                    "closedAt": .timestamp, "responseDeadline": .timestamp, "resolutionDeadline": .timestamp, "firstResponseAt": .timestamp,
                    "responseTier": .text, "resolutionTier": .text, "slaPaused": .bool],
        "customers": ["id": .text, "ticketCount": .number, "createdAt": .timestamp, "updatedAt": .timestamp],
        "articles": ["id": .text, "viewCount": .number, "useCount": .number, "readTime": .text, "publishedAt": .timestamp,
                     "createdAt": .timestamp, "updatedAt": .timestamp],
    ]

    /// Filters that are not fields (list endpoints' `search`, `tag`).
    static let filterOnly: [String: Kind] = ["search": .text, "tag": .text]

    /// Why `field=value` cannot be set on `resource` (unknown field, with a suggestion, or a value outside the
    /// allowed set); nil when it can.
    public static func setProblem(resource: String, field: String, value: JSONValue) -> String? {
        guard let fields = writable[resource] else { return nil }
        let top = String(field.prefix { $0 != "." })
        guard let kind = fields[top] else { return unknown(field, among: fields.keys, resource: resource, what: "field that can be set") }
        return valueProblem(kind, field: field, value: value, nested: top != field)
    }

    /// Why `field=value` cannot select records of `resource` (`bulk --where`, `export --filter`); nil when it can.
    public static func filterProblem(resource: String, field: String, value: String, allowed: Set<String>? = nil) -> String? {
        var fields = (writable[resource] ?? [:]).merging(readOnly[resource] ?? [:]) { a, _ in a }.merging(filterOnly) { a, _ in a }
        if let allowed { fields = fields.filter { allowed.contains($0.key) } }
        guard !fields.isEmpty else { return nil }
        let top = String(field.prefix { $0 != "." })
        guard let kind = fields[top] else { return unknown(field, among: fields.keys, resource: resource, what: "field to select on") }
        if case .oneOf(let values) = kind, !values.contains(value) {
            return "'\(value)' is not a \(resource) \(field); one of: \(values.joined(separator: ", "))\(suggestion(value, values))"
        }
        if case .bool = kind, value != "true", value != "false" { return "\(field) is true or false, not '\(value)'" }
        return nil
    }

    static func valueProblem(_ kind: Kind, field: String, value: JSONValue, nested: Bool) -> String? {
        if value.isNull { return nil }
        switch kind {
        case .oneOf(let values):
            guard let s = value.stringValue, values.contains(s) else {
                let shown = value.stringValue ?? JSONSerializer.string(value)
                return "'\(shown)' is not a valid \(field); one of: \(values.joined(separator: ", "))\(suggestion(shown, values))"
            }
        case .bool: if value.boolValue == nil { return "\(field) is true or false" }
        case .stringList: if value.arrayValue?.allSatisfy({ $0.stringValue != nil }) != true { return "\(field) is a list of strings, e.g. [\"a\",\"b\"]" }
        case .object: if !nested && value.objectValue == nil { return "\(field) is an object, e.g. {\"key\":\"value\"} (or set \(field).key=value)" }
        case .text, .timestamp: if value.stringValue == nil { return "\(field) is text (quote digits: \(field)=\"123\")" }
        case .number: if value.intValue == nil { return "\(field) is a number" }
        }
        return nil
    }

    static func unknown(_ field: String, among names: Dictionary<String, Kind>.Keys, resource: String, what: String) -> String {
        let sorted = names.sorted()
        return "'\(field)' is not a \(resource) \(what)\(suggestion(field, sorted)); known: \(sorted.joined(separator: ", "))"
    }

    static func suggestion(_ word: String, _ candidates: [String]) -> String {
        guard let best = candidates.min(by: { distance($0, word) < distance($1, word) }), distance(best, word) <= 2 else { return "" }
        return " (did you mean '\(best)'?)"
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.lowercased()), y = Array(b.lowercased())
        var row = Array(0...y.count)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in stride(from: 1, through: y.count, by: 1) {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (x[i - 1] == y[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return x.isEmpty ? y.count : row[y.count]
    }
}
