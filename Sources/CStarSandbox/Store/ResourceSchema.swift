import Foundation

/// Type of a writable field of an emulated resource, checked on create, update and import.
enum FieldType: Sendable {
    case string
    case nullableString
    case int
    case bool
    case stringArray
    case object
    case oneOf([String])
    case timestamp
    case reference(String)  // id of a record of the named resource (or null)
}

struct FieldSpec: Sendable {
    let name: String
    let type: FieldType
    var required = false
    var defaultValue: SJSON? = nil
}

/// A unique key that also serves as the import match key (e.g. customer email, ticket externalId).
struct MatchKey: Sendable {
    let field: String
    let caseInsensitive: Bool
}

/// What the sandbox knows about one cStar resource: its path, object name, id shape and fields.
struct ResourceSchema: Sendable {
    let path: String
    let object: String
    /// `cus_` style prefix; nil for resources whose ids are bare UUIDs (categories, customer groups).
    let idPrefix: String?
    let fields: [FieldSpec]
    var matchKeys: [MatchKey] = []
    /// Field whose value is slugified from `name`/`title` when absent.
    var slugFrom: String? = nil
    /// Field holding the id of the record this one hangs under (tickets → customerId).
    var refField: String? = nil
    var defaultPageSize = 20
    var paginated = true
    /// Timestamps a client may set when importing (original createdAt/updatedAt).
    var importable = false

    func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }

    /// A new id: `prefix` + 32 lower-case hex digits, or a bare lower-case UUID. The UUID is of version 7 (RFC 9562:
    /// milliseconds since 1970, then random bits), so ids created together sort together and the id index grows at
    /// its end instead of at random pages. Still unique and unguessable enough for a sandbox; clients never read
    /// order into ids.
    func newId() -> String { Self.newId(prefix: idPrefix) }

    static func newId(prefix: String?, now: Date = Date()) -> String {
        var g = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        let ms = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        for k in 0..<6 { bytes[k] = UInt8(truncatingIfNeeded: ms >> (8 * (5 - k))) }
        let r1 = g.next(), r2 = g.next()
        for k in 6..<16 { bytes[k] = UInt8(truncatingIfNeeded: (k < 14 ? r1 : r2) >> (8 * (k % 8))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = Array((prefix ?? "").utf8)
        out.reserveCapacity(out.count + 36)
        for (k, b) in bytes.enumerated() {
            if prefix == nil, k == 4 || k == 6 || k == 8 || k == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Accepts the prefixed id or the raw UUID (with or without hyphens) and returns the stored form.
    func canonicalId(_ raw: String) -> String {
        let lower = raw.lowercased()
        if let p = idPrefix {
            if raw.hasPrefix(p) { return raw }
            let hex = lower.replacingOccurrences(of: "-", with: "")
            if hex.count == 32, hex.allSatisfy(\.isHexDigit) { return p + hex }
            return raw
        }
        return lower
    }
}

enum Schemas {
    static let ticketStatuses = ["new", "open", "pending", "resolved", "closed"]
    static let priorities = ["low", "normal", "high", "urgent"]

    static let customers = ResourceSchema(
        path: "customers", object: "customer", idPrefix: "cus_",
        fields: [
            FieldSpec(name: "name", type: .string, required: true),
            FieldSpec(name: "email", type: .string, required: true),
            FieldSpec(name: "status", type: .oneOf(["active", "inactive"]), defaultValue: .string("active")),
            FieldSpec(name: "sentiment", type: .nullableString, defaultValue: .string("neutral")),
            FieldSpec(name: "tags", type: .stringArray, defaultValue: .array([])),
            FieldSpec(name: "notes", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "customFields", type: .object, defaultValue: .object([])),
            FieldSpec(name: "metadata", type: .object, defaultValue: .object([])),
        ],
        matchKeys: [MatchKey(field: "email", caseInsensitive: true)],
        importable: true)

    static let customerGroups = ResourceSchema(
        path: "customer-groups", object: "customer_group", idPrefix: nil,
        fields: [
            FieldSpec(name: "name", type: .string, required: true),
            FieldSpec(name: "slug", type: .string),
            FieldSpec(name: "description", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "externalId", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "customFields", type: .object, defaultValue: .object([])),
        ],
        matchKeys: [MatchKey(field: "externalId", caseInsensitive: false), MatchKey(field: "slug", caseInsensitive: true)],
        slugFrom: "name", defaultPageSize: 25)

    static let tickets = ResourceSchema(
        path: "tickets", object: "ticket", idPrefix: "tkt_",
        fields: [
            FieldSpec(name: "title", type: .string, required: true),
            FieldSpec(name: "status", type: .oneOf(ticketStatuses), defaultValue: .string("new")),
            FieldSpec(name: "priority", type: .oneOf(priorities), defaultValue: .string("normal")),
            FieldSpec(name: "customerId", type: .reference("customers"), defaultValue: .null),
            FieldSpec(name: "customerName", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "assignedTo", type: .reference("members"), defaultValue: .null),
            FieldSpec(name: "tags", type: .stringArray, defaultValue: .array([])),
            FieldSpec(name: "notes", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "externalId", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "customFields", type: .object, defaultValue: .object([])),
            FieldSpec(name: "metadata", type: .object, defaultValue: .object([])),
            FieldSpec(name: "resolvedAt", type: .timestamp, defaultValue: .null),
        ],
        matchKeys: [MatchKey(field: "externalId", caseInsensitive: false)],
        refField: "customerId", importable: true)

    static let messages = ResourceSchema(
        path: "messages", object: "message", idPrefix: "msg_",
        fields: [
            FieldSpec(name: "content", type: .string, required: true),
            FieldSpec(name: "sender", type: .oneOf(["agent", "customer", "system"]), defaultValue: .string("agent")),
            FieldSpec(name: "senderName", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "isInternal", type: .bool, defaultValue: .bool(false)),
        ],
        refField: "ticketId", paginated: false, importable: true)

    static let articles = ResourceSchema(
        path: "articles", object: "article", idPrefix: "art_",
        fields: [
            FieldSpec(name: "title", type: .string, required: true),
            FieldSpec(name: "slug", type: .string),
            FieldSpec(name: "excerpt", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "content", type: .nullableString, defaultValue: .string("")),
            FieldSpec(name: "category", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "categoryId", type: .reference("categories"), defaultValue: .null),
            FieldSpec(name: "status", type: .oneOf(["draft", "published"]), defaultValue: .string("draft")),
            FieldSpec(name: "isPublic", type: .bool, defaultValue: .bool(true)),
            FieldSpec(name: "tags", type: .stringArray, defaultValue: .array([])),
            FieldSpec(name: "notes", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "metaDescription", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "externalId", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "metadata", type: .object, defaultValue: .object([])),
        ],
        matchKeys: [MatchKey(field: "externalId", caseInsensitive: false), MatchKey(field: "slug", caseInsensitive: true)],
        slugFrom: "title", refField: "categoryId", importable: true)

    static let categories = ResourceSchema(
        path: "categories", object: "category", idPrefix: nil,
        fields: [
            FieldSpec(name: "name", type: .string, required: true),
            FieldSpec(name: "slug", type: .string),
            FieldSpec(name: "description", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "icon", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "color", type: .nullableString, defaultValue: .null),
            FieldSpec(name: "sortOrder", type: .int, defaultValue: .int(0)),
            FieldSpec(name: "isPublic", type: .bool, defaultValue: .bool(true)),
        ],
        matchKeys: [MatchKey(field: "slug", caseInsensitive: true)],
        slugFrom: "name")

    static let customFields = ResourceSchema(
        path: "custom-fields", object: "custom_field", idPrefix: "cf_",
        fields: [
            FieldSpec(name: "name", type: .string, required: true),
            FieldSpec(name: "key", type: .string, required: true),
            FieldSpec(name: "type", type: .oneOf(["text", "number", "select", "multiselect", "date", "boolean"]), required: true),
            FieldSpec(name: "entityType", type: .oneOf(["tickets", "customers"]), required: true),
            FieldSpec(name: "required", type: .bool, defaultValue: .bool(false)),
            FieldSpec(name: "options", type: .stringArray, defaultValue: .array([])),
            FieldSpec(name: "position", type: .int, defaultValue: .int(0)),
        ],
        paginated: false)

    static let slaRules = ResourceSchema(
        path: "sla/rules", object: "sla_rule", idPrefix: "sla_",
        fields: [
            FieldSpec(name: "name", type: .string, required: true),
            FieldSpec(name: "priority", type: .oneOf(priorities), required: true),
            FieldSpec(name: "responseTarget", type: .int, required: true),
            FieldSpec(name: "resolutionTarget", type: .int, required: true),
            FieldSpec(name: "businessHoursOnly", type: .bool, defaultValue: .bool(false)),
            FieldSpec(name: "enabled", type: .bool, defaultValue: .bool(true)),
        ],
        paginated: false)

    static let members = ResourceSchema(
        path: "members", object: "member", idPrefix: "mem_",
        fields: [
            FieldSpec(name: "name", type: .string, required: true),
            FieldSpec(name: "email", type: .string, required: true),
            FieldSpec(name: "role", type: .oneOf(["owner", "admin", "manager", "librarian", "agent", "spectator"]), required: true),
        ],
        matchKeys: [MatchKey(field: "email", caseInsensitive: true)])

    static let all: [ResourceSchema] = [customers, customerGroups, tickets, messages, articles, categories, customFields, slaRules, members]

    static func named(_ path: String) -> ResourceSchema? { all.first { $0.path == path } }
}
