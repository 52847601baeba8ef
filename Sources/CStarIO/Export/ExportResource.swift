/// What `export` and `backup` can read out of cStar, how each is read, and its stable CSV columns.
/// docs/export-format.md documents the columns and how CSV cells read back.
public enum ExportResource: String, Sendable, CaseIterable {
    case customers
    case customerGroups = "customer-groups"
    /// One row per (group, customer) membership; read with the groups.
    case groupMembers = "customer-group-members"
    case tickets, articles, categories, tags
    case customFields = "custom-fields"
    case settings
    /// Team members (agents): not restorable (they are invited, not imported), kept so restore can match
    /// ticket assignees by email.
    case members

    /// How rows are read from the API.
    public enum Reader: Sendable, Equatable {
        /// `POST /export` windows by createdAt (≤10,000 rows each), see `ExportWindowWalker`.
        case exportWindows(TargetResource)
        /// A paginated list endpoint, page by page.
        case listPages(String)
        /// A plain-array list endpoint (one request).
        case plainList(String)
        case settings
        /// Customer groups page by page, each with its members (`memberIds`).
        case groups
        case groupMembers
    }

    public var reader: Reader {
        switch self {
        case .customers: return .exportWindows(.customers)
        case .tickets: return .exportWindows(.tickets)
        case .articles: return .exportWindows(.articles)
        case .customerGroups: return .groups
        case .categories: return .listPages(CStarAPI.listPath(.categories))
        case .members: return .listPages(CStarAPI.membersPath)
        case .tags: return .plainList(CStarAPI.tagsPath)
        case .customFields: return .plainList(CStarAPI.customFieldsPath)
        case .settings: return .settings
        case .groupMembers: return .groupMembers
        }
    }

    /// The resources a backup holds, in the order they are written (the manifest lists them in this order).
    public static let backupSet: [ExportResource] = [
        .customFields, .customerGroups, .customers, .groupMembers, .categories, .articles, .tickets, .tags, .settings, .members,
    ]

    /// Backup file name (NDJSON: one API object per line, streamed, appendable, parsed line by line on restore).
    public var backupFile: String { "\(rawValue).ndjson" }

    /// Whose custom-field definitions become `customFields.<key>` CSV columns (the `entityType` of /custom-fields).
    public var customFieldEntity: String? {
        switch self {
        case .customers: return "customers"
        case .tickets: return "tickets"
        default: return nil
        }
    }

    /// Fixed CSV columns, from the spec's object fields (computed ones included), in a stable order. Declared
    /// custom fields follow as `customFields.<key>` columns sorted by key; `customFields` itself then holds
    /// only the values those columns cannot (undeclared keys, nulls, empty strings, other types).
    public func columns(includeMessages: Bool = false) -> [String] {
        switch self {
        case .customers:
            return ["id", "name", "email", "status", "sentiment", "tags", "notes", "customFields", "metadata", "ticketCount", "createdAt", "updatedAt"]
        case .tickets:
            return ["id", "title", "status", "priority", "customerId", "customerName", "assignedTo", "tags", "notes", "externalId",
                    "customFields", "metadata", "messageCount", "resolvedAt", "createdAt", "updatedAt"] + (includeMessages ? ["messages"] : [])
        case .articles:
            return ["id", "title", "slug", "excerpt", "content", "category", "categoryId", "status", "isPublic", "tags", "notes",
                    "metaDescription", "externalId", "metadata", "viewCount", "useCount", "readTime", "publishedAt", "createdAt", "updatedAt"]
        case .customerGroups:
            return ["id", "name", "slug", "description", "externalId", "customFields", "customerCount", "memberIds", "createdAt", "updatedAt"]
        case .groupMembers:
            return ["id", "groupId", "customerId", "customerEmail"]
        case .categories:
            return ["id", "name", "slug", "description", "icon", "color", "sortOrder", "isPublic", "createdAt", "updatedAt"]
        case .tags:
            return ["name", "count"]
        case .customFields:
            return ["id", "name", "key", "type", "entityType", "required", "options", "position"]
        case .settings:
            return ["id", "section", "teamName", "teamSlug", "key", "label", "color", "position", "isProtected", "enabled", "timezone",
                    "schedule", "primaryColor"]
        case .members:
            return ["id", "name", "email", "role", "roleDisplayName", "joinedAt"]
        }
    }

    /// Resolves a name given on the command line (`custom-fields`, also `customFields`/`custom_fields`).
    public init?(name: String) {
        let n = name.lowercased().replacingOccurrences(of: "_", with: "-")
        if let r = ExportResource(rawValue: n) { self = r; return }
        switch n {
        case "customfields": self = .customFields
        case "customergroups", "groups": self = .customerGroups
        case "memberships", "group-members", "customer-group-memberships": self = .groupMembers
        default: return nil
        }
    }
}

/// Which rows to export: equality filters (`--filter status=closed`) and a createdAt range.
public struct ExportFilter: Sendable {
    public var equals: [(field: String, value: String)]
    /// ISO 8601, inclusive.
    public var since: String?
    /// ISO 8601, exclusive.
    public var until: String?

    public init(equals: [(field: String, value: String)] = [], since: String? = nil, until: String? = nil) {
        self.equals = equals
        self.since = since
        self.until = until
    }

    public var isEmpty: Bool { equals.isEmpty && since == nil && until == nil }

    /// Client-side test, for resources (or filters) the API cannot filter: the field's text equals the value,
    /// or a list field contains it (`--filter tags=vip`); createdAt within [since, until).
    public func matches(_ row: JSONObject, fields: [(field: String, value: String)]? = nil, range: Bool = true) -> Bool {
        for (f, v) in fields ?? equals {
            let value = Record(fields: row, location: SourceLocation(file: "", line: 0, index: 0)).value(at: f)
            switch value {
            case .array(let items)?: if !items.contains(where: { $0.scalarText == v }) { return false }
            case let x?: if (x.scalarText ?? (x.isNull ? "" : nil)) != v { return false }
            case nil: if !v.isEmpty { return false }
            }
        }
        if range, since != nil || until != nil {
            guard let created = row["createdAt"].flatMap({ DateParsing.normalise($0, format: .iso8601) }) else { return false }
            if let s = since.flatMap({ DateParsing.normalise(.string($0), format: .iso8601) }), created < s { return false }
            if let u = until.flatMap({ DateParsing.normalise(.string($0), format: .iso8601) }), created >= u { return false }
        }
        return true
    }
}
