import Foundation
import Logging

/// Plans a bulk edit into the journal: selects the records (streaming list pages or reading the input file),
/// forms the calls deterministically (records with identical changes share calls of at most 100 ids), and
/// captures before-images with as few requests as the API allows. Nothing is changed in cStar while planning.
public struct BulkPlanner: Sendable {
    public let client: CStarClient
    public let journal: BulkJournal
    public let logger: Logger

    public init(client: CStarClient, journal: BulkJournal, logger: Logger) {
        self.client = client
        self.journal = journal
        self.logger = logger
    }

    // MARK: Selection

    /// Adds the selected records to the run. Returns warnings worth showing (skipped input rows).
    public func select(runId: String, spec: BulkSpec) async throws -> [String] {
        let setText = Canonical.json(.object(spec.set))
        switch spec.selection {
        case .filters(let filters):
            try await selectByFilters(runId: runId, spec: spec, filters: filters, changes: spec.action == .update ? setText : nil)
            return []
        case .idsFile(let path, let column):
            var repeated = 0
            var warnings = try BulkInputReader.read(path: path, idColumn: column, withChanges: false) { batch in
                let added = try journal.addItems(runId, batch.map { ($0.id, spec.action == .update ? setText : nil, nil) })
                repeated += batch.count - added
            }
            if repeated > 0 { warnings.append("\(repeated) id(s) of \(path) are listed more than once; each is changed once") }
            return warnings
        case .changesFile(let path, let column):
            var warnings: [String] = []
            var skipped = 0
            warnings += try BulkInputReader.read(path: path, idColumn: column, withChanges: true) { batch in
                var rows: [(id: String, changes: String?, before: String?)] = []
                for row in batch {
                    var changes = spec.set
                    for (k, v) in row.changes.pairs { changes[k] = v }
                    if changes.isEmpty { skipped += 1; continue }
                    rows.append((row.id, Canonical.json(.object(changes)), nil))
                }
                let added = try journal.addItems(runId, rows)
                if added < rows.count {
                    // Two rows for one id: which change wins is not for the tool to guess.
                    throw BulkSpecError("\(rows.count - added) row(s) of \(path) repeat an id given on an earlier row; merge each id's changes into one row")
                }
            }
            if skipped > 0 { warnings.append("\(skipped) row(s) of \(path) change nothing (all field cells empty); skipped") }
            return warnings
        }
    }

    /// Lists the resource page by page with the documented filters, checks every condition the client can check
    /// (and those the endpoint does not document, such as `tag` on tickets) on the listed records, and keeps the
    /// listed record as the before-image: no request beyond the listing.
    func selectByFilters(runId: String, spec: BulkSpec, filters: [(String, String)], changes: String?) async throws {
        let documented = CStarAPI.listFilters[spec.resource] ?? []
        var query: [(String, String)] = []
        var checks: [(field: String, value: String)] = []
        for (k, v) in filters {
            if documented.contains(k) {
                query.append((k, v))
                if let field = CStarAPI.clientCheckableFilters[k] { checks.append((field, v)) }
            } else {
                checks.append((CStarAPI.clientCheckableFilters[k] ?? k, v))
            }
        }
        var selected: [(id: String, changes: String?, before: String?)] = []
        try await client.forEachListed(CStarAPI.listPath(spec.resource), query: query) { row in
            guard let id = row["id"]?.stringValue, checks.allSatisfy({ Self.matches(row[$0.field], $0.value) }) else { return }
            selected.append((id, changes, JSONSerializer.string(row)))
            if selected.count == CStarAPI.maxPageSize {
                try journal.addItems(runId, selected)
                selected.removeAll(keepingCapacity: true)
            }
        }
        try journal.addItems(runId, selected)
    }

    /// A record value meets `field=value`: equal as text, or (arrays such as tags) contains it; `null` matches null.
    static func matches(_ v: JSONValue?, _ expected: String) -> Bool {
        guard let v, !v.isNull else { return expected == "null" }
        if let a = v.arrayValue { return a.contains { $0.scalarText == expected } }
        return v.scalarText == expected
    }

    // MARK: Calls

    /// Forms the run's calls: for updates, records grouped by identical changes (in order of first appearance),
    /// each group cut into calls of at most 100 ids; for deletes, the records in order, 100 per call.
    /// Returns the number of calls.
    @discardableResult
    public func formCalls(runId: String, resource: TargetResource, action: BulkAction) throws -> Int {
        try Self.formCalls(journal: journal, runId: runId, resource: resource, action: action, keyPrefix: "bulk")
    }

    @discardableResult
    static func formCalls(journal: BulkJournal, runId: String, resource: TargetResource, action: BulkAction, keyPrefix: String) throws -> Int {
        var parsed: (text: String, value: JSONValue)?
        return try journal.formCalls(runId, grouped: action == .update, perCall: CStarAPI.maxBulkIds) { index, changes, ids in
            var body = JSONObject([("action", .string(action.rawValue)), ("resource", .string(resource.rawValue)),
                                   ("ids", .array(ids.map { .string($0) }))])
            if action == .update, let changes {
                if !(parsed?.text.utf8.elementsEqual(changes.utf8) ?? false) { parsed = (changes, try JSONParser.parse(changes)) }
                body["data"] = parsed!.value
            }
            let text = JSONSerializer.string(.object(body))
            return (CStarAPI.bulkPath, text, IdempotencyKey.bulkCall(prefix: keyPrefix, runId: runId, index: index, body: text).value)
        }
    }

    // MARK: Before-images

    /// Captures the current record of every selected item that has none yet (or of the first `limit`), choosing
    /// the cheaper of one `GET /<resource>/{id}` per record and a scan of the list pages (100 records a
    /// request, stopping once every record is found). With `threads`, also keeps each ticket's messages
    /// (`GET /tickets/{id}/messages`), which a delete removes and an undo must re-create.
    public func captureBefore(runId: String, resource: TargetResource, threads: Bool, limit: Int? = nil) async throws {
        var missing = try journal.idsWithoutBefore(runId, limit: limit)
        if limit == nil, missing.count > 2 {
            // One list page tells the size of the resource (and may already hold some of the records).
            var wanted = Dictionary(missing.map { (Self.normalizedId($0), $0) }, uniquingKeysWith: { a, _ in a })
            var page = 1
            var pages = Int.max
            while !wanted.isEmpty, page <= pages {
                let response = try await client.send(.GET, CStarAPI.listPath(resource),
                                                     query: [("page", String(page)), ("pageSize", String(CStarAPI.maxPageSize))])
                let rows = response.data.arrayValue ?? []
                var found: [(id: String, json: String)] = []
                for row in rows {
                    guard let id = row["id"]?.stringValue, let mine = wanted.removeValue(forKey: Self.normalizedId(id)) else { continue }
                    found.append((mine, JSONSerializer.string(row)))
                }
                try journal.setBefore(runId, found)
                if page == 1 {
                    let total = response.total ?? Int.max
                    pages = total == Int.max ? Int.max : (total + CStarAPI.maxPageSize - 1) / CStarAPI.maxPageSize
                    // Scanning the rest costs pages - 1 requests; fetching one by one costs wanted.count.
                    if wanted.count <= pages - 1 { break }
                }
                let more = response.hasMore ?? (rows.count == CStarAPI.maxPageSize)
                if !more || rows.isEmpty { break }
                page += 1
            }
            missing = try journal.idsWithoutBefore(runId, limit: limit)
        }
        for id in missing {
            do {
                let response = try await client.send(.GET, CStarAPI.itemPath(resource, id: id))
                try journal.setBefore(runId, [(id, JSONSerializer.string(response.data))])
            } catch let e as CStarAPIError where e.kind == .notFound {
                // No such record: the bulk call reports it as a per-id failure.
                logger.info("no before-image: record not found", metadata: ["id": "\(id)"])
            }
        }
        guard threads, resource == .tickets else { return }
        var after = -1, seen = 0
        while seen < limit ?? Int.max {
            let page = try journal.itemPage(runId, after: after, limit: min(500, (limit ?? Int.max) - seen))
            guard let last = page.last else { break }
            for item in page {
                guard let text = item.before, var record = try JSONParser.parse(text).objectValue, record["messages"]?.arrayValue == nil else { continue }
                let response = try await client.send(.GET, CStarAPI.ticketMessagesPath(ticketId: item.recordId))
                record["messages"] = .array(response.data.arrayValue ?? [])
                try journal.setBefore(runId, [(item.recordId, JSONSerializer.string(.object(record)))])
            }
            seen += page.count
            after = last.seq
        }
    }

    /// Ids compare by their UUID: `cus_7c9e…` and `7c9e…-…` (both accepted by single-record paths) are the same record.
    public static func normalizedId(_ id: String) -> String {
        var s = Substring(id.lowercased())
        if let underscore = s.firstIndex(of: "_") { s = s[s.index(after: underscore)...] }
        return s.replacingOccurrences(of: "-", with: "")
    }
}
