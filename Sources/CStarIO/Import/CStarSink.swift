import CStarHash
import Foundation
import Logging

/// Delivers batches to cStar: customers, tickets (with their messages) and articles through `POST /import`;
/// groups, categories and custom fields one `POST` per record; memberships through the group endpoint;
/// settings with `PATCH`. Every write carries an idempotency key derived from (run, entity, batch, payload),
/// every batch's state and answer is checkpointed, and the ids cStar gives records go to the ID map so
/// later entities can refer to them.
public final class CStarSink: BatchSink {
    public let client: CStarClient
    public let batchSize: Int
    public let mergeStrategy: CStarAPI.MergeStrategy
    let store: CheckpointStore
    let runId: String
    /// Scopes the ID map: ids of one team mean nothing in another.
    let targetKey: String
    let logger: Logger
    private var members: [String: String]?
    /// Existing records of per-record targets, by match key (externalId, name, slug, field key).
    private var existing: [String: String] = [:]
    /// Natural keys (email, externalId) of the records imported for the current entity, to learn their ids.
    private var naturalKeys: [(sourceKey: String, natural: String)] = []

    public init(client: CStarClient, store: CheckpointStore, runId: String, batchSize: Int = CStarAPI.maxImportRecords,
                mergeStrategy: CStarAPI.MergeStrategy = .skip, logger: Logger) {
        self.client = client
        self.store = store
        self.runId = runId
        self.targetKey = client.target.identity
        self.batchSize = min(max(1, batchSize), CStarAPI.maxImportRecords)
        self.mergeStrategy = mergeStrategy
        self.logger = logger
    }

    public func unsupportedReason(_ mapping: EntityMapping) -> String? { nil }

    // MARK: References

    public func reference(entity: String, key: String) throws -> JSONValue? {
        try store.cstarId(target: targetKey, entity: entity, sourceKey: key).map { .string($0) }
    }

    public func member(email: String) throws -> JSONValue? {
        members?[email.lowercased()].map { .string($0) }
    }

    // MARK: Entity boundaries

    public func entityStarting(_ mapping: EntityMapping) async throws {
        naturalKeys = []
        existing = [:]
        if members == nil, Self.usesMembers(mapping) { members = try await loadMembers() }
        switch mapping.target {
        case .customerGroups:
            for g in try await listAll("/customer-groups") {
                guard let id = g["id"]?.stringValue else { continue }
                if let ext = g["externalId"]?.stringValue { existing["ext:\(ext)"] = id }
                if let name = g["name"]?.stringValue { existing["name:\(name.lowercased())"] = id }
            }
        case .categories:
            for c in try await listAll("/categories") {
                guard let id = c["id"]?.stringValue else { continue }
                if let name = c["name"]?.stringValue { existing["name:\(name.lowercased())"] = id }
            }
        case .customFields:
            let fields = try await client.send(.GET, "/custom-fields").data.arrayValue ?? []
            for f in fields {
                guard let id = f["id"]?.stringValue, let key = f["key"]?.stringValue, let type = f["entityType"]?.stringValue else { continue }
                existing["field:\(type):\(key)"] = id
            }
        default: break
        }
    }

    public func entityFinished(_ mapping: EntityMapping) async throws {
        guard [.customers, .tickets, .articles].contains(mapping.target), !naturalKeys.isEmpty else { return }
        let learned = try await learnIds(mapping.target)
        var ids: [(String, String)] = []
        for (sourceKey, natural) in naturalKeys {
            if let id = learned[natural] { ids.append((sourceKey, id)) }
        }
        try store.storeIds(target: targetKey, entity: mapping.entity, ids)
        logger.debug("ids learned", metadata: ["entity": "\(mapping.entity)", "ids": "\(ids.count)", "of": "\(naturalKeys.count)"])
        naturalKeys = []
    }

    static func usesMembers(_ mapping: EntityMapping) -> Bool {
        (mapping.fields + mapping.children.flatMap(\.fields)).contains { rule in
            rule.transforms.contains { if case .member = $0 { return true } else { return false } }
        }
    }

    /// The natural key cStar matches a record on: email (customers, case-insensitive) or externalId.
    static func naturalKey(_ target: TargetResource, _ payload: JSONObject) -> String? {
        switch target {
        case .customers: return payload["email"]?.stringValue?.lowercased()
        case .tickets, .articles: return payload["externalId"]?.scalarText
        default: return nil
        }
    }

    // MARK: Delivery

    public func deliver(_ batch: Batch, mapping: EntityMapping) async throws -> BatchOutcome {
        if [.customers, .tickets, .articles].contains(mapping.target) {
            for r in batch.records { if let n = Self.naturalKey(mapping.target, r.payload) { naturalKeys.append((r.sourceKey, n)) } }
        }
        if let stored = try store.committedOutcome(runId: runId, entity: batch.entity, index: batch.index) {
            return try Self.decode(stored)
        }
        let body = JSONSerializer.bytes(.array(batch.records.map { .object($0.payload) }))
        let key = "cstario-\(runId.prefix(12))-\(batch.entity)-\(batch.index)-\(SHA256.hex(body).prefix(16))"
        try store.markSent(runId: runId, entity: batch.entity, index: batch.index, key: key, records: batch.records.count)
        var ids: [(String, String)] = []
        let outcome: BatchOutcome
        switch mapping.target {
        case .customers, .tickets, .articles: outcome = try await importBatch(batch, mapping: mapping, key: key)
        case .customerGroups, .categories, .customFields: outcome = try await createEach(batch, mapping: mapping, key: key, ids: &ids)
        case .groupMemberships: outcome = try await addMembers(batch, key: key)
        case .settings: outcome = try await patchSettings(batch, key: key)
        }
        try store.commit(runId: runId, entity: batch.entity, index: batch.index, outcome: Self.encode(outcome), target: targetKey, ids: ids)
        return outcome
    }

    func importBatch(_ batch: Batch, mapping: EntityMapping, key: String) async throws -> BatchOutcome {
        let body: JSONValue = .object(JSONObject([
            ("resource", .string(mapping.target.rawValue)),
            ("records", .array(batch.records.map { .object($0.payload) })),
            ("mergeStrategy", .string(mergeStrategy.rawValue)),
        ]))
        let result = try await client.send(.POST, CStarAPI.importPath, body: body, idempotencyKey: key).data
        return BatchOutcome(
            created: Int(result["created"]?.intValue ?? 0), updated: Int(result["updated"]?.intValue ?? 0),
            skipped: Int(result["skipped"]?.intValue ?? 0),
            errors: (result["errors"]?.arrayValue ?? []).map { e in
                BatchOutcome.RecordError(index: Int(e["index"]?.intValue ?? -1), code: e["code"]?.stringValue ?? "import_error",
                                         message: e["message"]?.stringValue ?? "no reason given", param: e["param"]?.stringValue)
            })
    }

    /// Targets without a bulk create: one POST per record not already there.
    func createEach(_ batch: Batch, mapping: EntityMapping, key: String, ids: inout [(String, String)]) async throws -> BatchOutcome {
        var outcome = BatchOutcome()
        for (i, r) in batch.records.enumerated() {
            let match: String?
            switch mapping.target {
            case .customerGroups:
                match = r.payload["externalId"]?.stringValue.flatMap { existing["ext:\($0)"] }
                    ?? r.payload["name"]?.stringValue.flatMap { existing["name:\($0.lowercased())"] }
            case .categories: match = r.payload["name"]?.stringValue.flatMap { existing["name:\($0.lowercased())"] }
            default:
                match = (r.payload["entityType"]?.stringValue).flatMap { t in r.payload["key"]?.stringValue.flatMap { existing["field:\(t):\($0)"] } }
            }
            if let id = match {
                ids.append((r.sourceKey, id))
                outcome.skipped += 1
                continue
            }
            do {
                let created = try await client.send(.POST, CStarAPI.listPath(mapping.target), body: .object(r.payload), idempotencyKey: "\(key)-r\(i)")
                if let id = created.data["id"]?.stringValue { ids.append((r.sourceKey, id)) }
                outcome.created += 1
            } catch let e as CStarAPIError where e.status == 400 || e.status == 409 || e.status == 422 {
                outcome.errors.append(BatchOutcome.RecordError(index: i, code: e.code, message: e.message, param: e.param))
            }
        }
        return outcome
    }

    func addMembers(_ batch: Batch, key: String) async throws -> BatchOutcome {
        var outcome = BatchOutcome()
        var byGroup: [String: [(Int, String)]] = [:]
        var order: [String] = []
        for (i, r) in batch.records.enumerated() {
            guard let g = r.payload["groupId"]?.stringValue, let c = r.payload["customerId"]?.stringValue else {
                outcome.errors.append(BatchOutcome.RecordError(index: i, code: "unresolved_reference", message: "group or customer has no cStar id", param: nil))
                continue
            }
            if byGroup[g] == nil { order.append(g) }
            byGroup[g, default: []].append((i, c))
        }
        for g in order {
            let members = byGroup[g]!
            for chunkStart in stride(from: 0, to: members.count, by: 100) {
                let chunk = Array(members[chunkStart..<min(chunkStart + 100, members.count)])
                let body: JSONValue = .object(JSONObject([("customerIds", .array(chunk.map { .string($0.1) }))]))
                let result = try await client.send(.POST, CStarAPI.groupMembersPath(groupId: g), body: body,
                                                   idempotencyKey: "\(key)-\(SHA256.hex(g).prefix(8))-\(chunkStart)").data
                let added = Int(result["added"]?.intValue ?? Int64(chunk.count))
                outcome.created += added
                outcome.skipped += chunk.count - added
            }
        }
        return outcome
    }

    func patchSettings(_ batch: Batch, key: String) async throws -> BatchOutcome {
        var outcome = BatchOutcome()
        let statuses = batch.records.filter { $0.payload["section"]?.stringValue == "statuses" }
        if !statuses.isEmpty {
            var list = try await client.send(.GET, "/settings/statuses").data.arrayValue ?? []
            var added = 0
            for r in statuses {
                guard let k = r.payload["key"]?.stringValue, !list.contains(where: { $0["key"]?.stringValue == k }) else { continue }
                list.append(.object(JSONObject([("key", .string(k)), ("label", r.payload["label"] ?? .string(k)),
                                                ("position", .int(Int64(list.count + 1)))])))
                added += 1
            }
            if added > 0 {
                let items: [JSONValue] = list.map { item in
                    var o = JSONObject()
                    for f in ["key", "label", "color", "position"] { if let v = item[f] { o[f] = v } }
                    return .object(o)
                }
                _ = try await client.send(.PATCH, "/settings/statuses", body: .object(JSONObject([("statuses", .array(items))])), idempotencyKey: "\(key)-statuses")
            }
            outcome.created += added
            outcome.skipped += statuses.count - added
        }
        for (i, r) in batch.records.enumerated() where r.payload["section"]?.stringValue != "statuses" {
            var body = r.payload
            let section = body["section"]?.stringValue ?? ""
            body["section"] = nil
            do {
                _ = try await client.send(.PATCH, section.isEmpty ? "/settings" : "/settings/\(section)", body: .object(body), idempotencyKey: "\(key)-r\(i)")
                outcome.updated += 1
            } catch let e as CStarAPIError where e.status == 400 || e.status == 422 {
                outcome.errors.append(BatchOutcome.RecordError(index: i, code: e.code, message: e.message, param: e.param))
            }
        }
        return outcome
    }

    // MARK: Reading back

    func loadMembers() async throws -> [String: String] {
        var out: [String: String] = [:]
        for m in try await listAll("/members") {
            if let email = m["email"]?.stringValue?.lowercased(), let id = m["id"]?.stringValue { out[email] = id }
        }
        return out
    }

    func listAll(_ path: String) async throws -> [JSONValue] {
        var out: [JSONValue] = []
        var page = 1
        while true {
            let r = try await client.send(.GET, path, query: [("page", String(page)), ("pageSize", String(CStarAPI.maxPageSize))])
            let items = r.data.arrayValue ?? []
            out += items
            guard r.hasMore ?? (items.count == CStarAPI.maxPageSize), !items.isEmpty else { return out }
            page += 1
        }
    }

    /// Natural key → cStar id for every record of a resource, read through export windows of up to 10,000
    /// rows (oldest first, the next window starting at the last createdAt seen); list pages when a window
    /// cannot advance.
    func learnIds(_ target: TargetResource) async throws -> [String: String] {
        var map: [String: String] = [:]
        var after: String?
        while true {
            var filters = JSONObject()
            if let a = after { filters["createdAfter"] = .string(a) }
            let body: JSONValue = .object(JSONObject([
                ("resources", .array([.object(JSONObject([("type", .string(target.rawValue)), ("filters", .object(filters))]))])),
                ("format", .string("json")),
            ]))
            let data = try await client.send(.POST, CStarAPI.exportPath, body: body).data
            let rows = data["resources"]?[target.rawValue]?.arrayValue ?? []
            for row in rows {
                guard let id = row["id"]?.stringValue, let obj = row.objectValue, let n = Self.naturalKey(target, obj) else { continue }
                map[n] = id
            }
            let truncated = data["truncated"]?[target.rawValue]?.boolValue ?? false
            guard truncated, let last = rows.last?["createdAt"]?.stringValue else { return map }
            if last == after {
                for row in try await listAll(CStarAPI.listPath(target)) {
                    if let id = row["id"]?.stringValue, let obj = row.objectValue, let n = Self.naturalKey(target, obj) { map[n] = id }
                }
                return map
            }
            after = last
        }
    }

    // MARK: Outcome storage

    static func encode(_ o: BatchOutcome) -> String {
        JSONSerializer.string(.object(JSONObject([
            ("created", .int(Int64(o.created))), ("updated", .int(Int64(o.updated))), ("skipped", .int(Int64(o.skipped))),
            ("errors", .array(o.errors.map { e in
                .object(JSONObject([("index", .int(Int64(e.index))), ("code", .string(e.code)), ("message", .string(e.message)),
                                    ("param", e.param.map { .string($0) } ?? .null)]))
            })),
        ])))
    }

    static func decode(_ s: String) throws -> BatchOutcome {
        let v = try JSONParser.parse(s)
        return BatchOutcome(created: Int(v["created"]?.intValue ?? 0), updated: Int(v["updated"]?.intValue ?? 0),
                            skipped: Int(v["skipped"]?.intValue ?? 0),
                            errors: (v["errors"]?.arrayValue ?? []).map { e in
                                BatchOutcome.RecordError(index: Int(e["index"]?.intValue ?? -1), code: e["code"]?.stringValue ?? "",
                                                         message: e["message"]?.stringValue ?? "", param: e["param"]?.stringValue)
                            })
    }
}
