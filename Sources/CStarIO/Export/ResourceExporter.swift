import Foundation
import NIOCore
import NIOHTTP1

/// Output formats of `export`.
public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, json, ndjson
}

/// How to export one resource.
public struct ExportOptions: Sendable {
    public var format: ExportFormat
    public var filter: ExportFilter
    public var guardFormulas: Bool
    /// Tickets: inline each ticket's messages (`messages`).
    public var includeMessages: Bool

    public init(format: ExportFormat, filter: ExportFilter = ExportFilter(), guardFormulas: Bool = false, includeMessages: Bool = false) {
        self.format = format
        self.filter = filter
        self.guardFormulas = guardFormulas
        self.includeMessages = includeMessages
    }
}

/// Streams the records of a cStar resource into a file: export windows for tickets, customers and articles
/// (past the 10,000-row cap, see `ExportWindowWalker`), list pages for the rest. Memory holds one window or
/// page at a time, whatever the number of rows.
public struct ResourceExporter {
    public let client: CStarClient

    public init(client: CStarClient) {
        self.client = client
    }

    /// Where an export stands: rows written, and rows the export windows fetched so far promise (`more`: the last
    /// window was full, so another follows). Resources read through list pages promise nothing ahead.
    public struct Progress: Sendable {
        public var rows: Int
        public var promised: Int
        public var more: Bool
    }

    /// Writes every (matching) row of `resource` to `path` (`-` = stdout); the file appears only when complete.
    @discardableResult
    public func export(_ resource: ExportResource, to path: String, options: ExportOptions,
                       onProgress: (Progress) -> Void = { _ in }) async throws -> WrittenFile {
        let csv = options.format == .csv
            ? CSVWriter(columns: resource.columns(includeMessages: options.includeMessages),
                        customFieldTypes: try await customFieldTypes(for: resource), guardFormulas: options.guardFormulas)
            : nil
        let writer = try RecordFileWriter(path: path, format: options.format, csv: csv)
        do {
            var promised = 0, more = false
            try await forEachRow(resource, filter: options.filter, includeMessages: options.includeMessages, onWindow: { rows, truncated in
                promised += rows
                more = truncated
            }) { row in
                try writer.write(row)
                if writer.rows % 100 == 0 { onProgress(Progress(rows: writer.rows, promised: promised, more: more)) }
            }
            onProgress(Progress(rows: writer.rows, promised: promised, more: false))
            return try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
    }

    /// Declared custom fields of the resource's entity type (key → type), which become CSV columns.
    public func customFieldTypes(for resource: ExportResource) async throws -> [String: String] {
        guard let entity = resource.customFieldEntity else { return [:] }
        var out: [String: String] = [:]
        for f in try await client.send(.GET, CStarAPI.customFieldsPath).data.arrayValue ?? [] {
            guard f["entityType"]?.stringValue == entity, let k = f["key"]?.stringValue else { continue }
            out[k] = f["type"]?.stringValue ?? "text"
        }
        return out
    }

    /// Calls `body` with every row of `resource` matching `filter`, as the API returned it (plus `memberIds` on
    /// groups). `onMember` receives customer-group-members rows while groups are read (backups write both
    /// files in one pass).
    public func forEachRow(_ resource: ExportResource, filter: ExportFilter = ExportFilter(), includeMessages: Bool = false,
                           onMember: ((JSONObject) async throws -> Void)? = nil, onWindow: @escaping (Int, Bool) -> Void = { _, _ in },
                           _ body: (JSONObject) async throws -> Void) async throws {
        switch resource.reader {
        case .exportWindows(let type):
            // Filters the export endpoint takes are applied by cStar (which also knows that an id may be written
            // with or without its prefix); the others are checked here, row by row.
            let server = filter.equals.filter { CStarAPI.exportFilters.contains($0.field) }
            let local = filter.equals.filter { !CStarAPI.exportFilters.contains($0.field) }
            let source = PrefetchingWindows(APIExportWindows(client: client, type: type, filters: server, until: filter.until,
                                                             includeMessages: includeMessages && type == .tickets))
            _ = try await ExportWindowWalker().walk(WindowCounter(inner: source, onWindow: onWindow), since: filter.since, keep: { filter.matches($0) }) { row in
                if local.isEmpty || filter.matches(row, fields: local, range: false) { try await body(row) }
            }
        case .listPages(let path):
            try await listPages(path) { row in if filter.matches(row) { try await body(row) } }
        case .plainList(let path):
            for item in try await client.send(.GET, path).data.arrayValue ?? [] {
                if let row = item.objectValue, filter.matches(row) { try await body(row) }
            }
        case .settings:
            for row in try await settingsRows() where filter.matches(row, range: false) { try await body(row) }
        case .groups:
            try await groups(filter: filter, onMember: { try await onMember?($0) }, body)
        case .groupMembers:
            try await groups(filter: ExportFilter(), onMember: { row in if filter.matches(row, range: false) { try await body(row) } }) { _ in }
        }
    }

    /// Reads each group page by page, then its members page by page: `body` gets the group row with
    /// `memberIds` (memory: one group's member ids), `onMember` one row per membership.
    func groups(filter: ExportFilter, onMember: (JSONObject) async throws -> Void, _ body: (JSONObject) async throws -> Void) async throws {
        try await listPages(CStarAPI.listPath(.customerGroups)) { group in
            guard let gid = group["id"]?.stringValue else { return }
            var ids: [JSONValue] = []
            try await listPages(CStarAPI.groupMembersPath(groupId: gid)) { customer in
                guard let cid = customer["id"]?.stringValue else { return }
                ids.append(.string(cid))
                try await onMember(JSONObject([("id", .string("\(gid):\(cid)")), ("groupId", .string(gid)), ("customerId", .string(cid)),
                                          ("customerEmail", customer["email"] ?? .null)]))
            }
            var row = group
            row["memberIds"] = .array(ids)
            if filter.matches(row) { try await body(row) }
        }
    }

    func listPages(_ path: String, _ body: (JSONObject) async throws -> Void) async throws {
        try await client.forEachListed(path) { item in if let o = item.objectValue { try await body(o) } }
    }

    /// Team settings as rows, one per section (statuses one per status), each with an `id` and a `section`:
    /// the shape Mappings/cstar/settings-*.yaml read back.
    func settingsRows() async throws -> [JSONObject] {
        func strip(_ v: JSONValue) -> JSONObject {
            var o = v.objectValue ?? JSONObject()
            o["object"] = nil
            return o
        }
        var rows: [JSONObject] = []
        var general = JSONObject([("id", .string("general")), ("section", .string("general"))])
        for (k, v) in strip(try await client.send(.GET, CStarAPI.settingsPath).data).pairs { general[k] = v }
        rows.append(general)
        for section in CStarAPI.settingsSections {
            let data = try await client.send(.GET, CStarAPI.settingsPath(section: section)).data
            if let items = data.arrayValue {
                for item in items {
                    var row = JSONObject([("id", .string("\(section):\(item["key"]?.scalarText ?? String(rows.count))")), ("section", .string(section))])
                    for (k, v) in strip(item).pairs { row[k] = v }
                    rows.append(row)
                }
            } else {
                var row = JSONObject([("id", .string(section)), ("section", .string(section))])
                for (k, v) in strip(data).pairs { row[k] = v }
                rows.append(row)
            }
        }
        return rows
    }
}

/// Tells each window's size as it arrives (what the export promises next).
struct WindowCounter<Inner: ExportWindowSource>: ExportWindowSource {
    let inner: Inner
    let onWindow: (Int, Bool) -> Void


    func window(createdAfter: String?) async throws -> ExportWindow {
        let w = try await inner.window(createdAfter: createdAfter)
        onWindow(w.count, w.truncated)
        return w
    }

    func listAll(_ body: (JSONObject) async throws -> Void) async throws { try await inner.listAll(body) }
}

/// Export windows of one resource from `POST /export` (JSON). A window's rows are read from the answer's bytes
/// one at a time (`ExportAnswer`), so memory holds the bytes of one window, not a parsed tree of it.
struct APIExportWindows: PrefetchableWindowSource {
    let client: CStarClient
    let type: TargetResource
    let filters: [(field: String, value: String)]
    let until: String?
    let includeMessages: Bool

    func requestBody(createdAfter: String?) -> [UInt8] {
        var f = JSONObject()
        for (k, v) in filters { f[k] = .string(v) }
        if let a = createdAfter { f[CStarAPI.exportCreatedAfter] = .string(a) }
        if let u = until { f[CStarAPI.exportCreatedBefore] = .string(u) }
        var spec = JSONObject([("type", .string(type.rawValue)), ("filters", .object(f))])
        if includeMessages { spec["include"] = .array([.string(CStarAPI.exportIncludeMessages)]) }
        return JSONSerializer.bytes(.object(JSONObject([("resources", .array([.object(spec)])), ("format", .string("json"))])))
    }

    func window(createdAfter: String?) async throws -> ExportWindow {
        let answer = try await client.sendRaw(.POST, CStarAPI.exportPath, bodyBytes: requestBody(createdAfter: createdAfter))
        return try window(answer.body, status: answer.status, headers: answer.headers)
    }

    func window(_ body: ByteBuffer, status: Int, headers: HTTPHeaders) throws -> ExportWindow {
        try ExportAnswer.window(body, type: type.rawValue, status: status, method: "POST", path: CStarAPI.exportPath,
                                requestId: headers.first(name: "X-Request-Id")) { bytes in
            try client.decodeSuccess(status: status, headers: headers, bytes: bytes, method: .POST, path: CStarAPI.exportPath).data
        }
    }

    func start(createdAfter: String?) async -> CStarClient.PendingAnswer? {
        await client.sendHead(.POST, CStarAPI.exportPath, bodyBytes: requestBody(createdAfter: createdAfter))
    }

    func finish(_ pending: CStarClient.PendingAnswer) async throws -> ExportWindow? {
        guard let body = try? await pending.body() else { return nil }
        return try window(body, status: pending.status, headers: pending.headers)
    }

    func listAll(_ body: (JSONObject) async throws -> Void) async throws {
        try await client.forEachListed(CStarAPI.listPath(type)) { item in
            guard var o = item.objectValue else { return }
            if includeMessages, let id = o["id"]?.stringValue {
                o["messages"] = try await client.send(.GET, CStarAPI.ticketMessagesPath(ticketId: id)).data
            }
            try await body(o)
        }
    }
}
