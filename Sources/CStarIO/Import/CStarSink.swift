import CStarHash
import Foundation
import Logging
import Synchronization

/// Delivers batches to cStar: customers, tickets (with their messages) and articles through `POST /import`;
/// groups, categories and custom fields one `POST` per record; memberships through the group endpoint;
/// settings with `PATCH`. Every write carries an idempotency key derived from (run, entity, batch, payload),
/// every batch's state and answer is checkpointed, and the ids cStar gives records go to the ID map so
/// later entities can refer to them. Several import batches of one entity may be in flight at once; the
/// natural keys of what each batch delivered are committed with it, so memory does not grow with the export.
public final class CStarSink: BatchSink {
    public let client: CStarClient
    public let batchSize: Int
    public let maxRequestBytes: Int
    public let mergeStrategy: CStarAPI.MergeStrategy
    let store: CheckpointStore
    let runId: String
    /// Scopes the ID map: ids of one team mean nothing in another.
    let targetKey: String
    let logger: Logger
    let importConcurrency: Int

    /// Loaded at an entity's start and only read while its batches are in flight.
    private struct Lookups {
        var members: [String: String]?
        /// Existing records of per-record targets, by match key (externalId, name, slug, field key).
        var existing: [String: String] = [:]
        /// Requests spent reading what cStar holds before the entity's first batch (its deliveries not counted).
        var lookupRequests = 0
    }
    private let lookups = Mutex(Lookups())

    public init(client: CStarClient, store: CheckpointStore, runId: String, batchSize: Int = CStarAPI.maxImportRecords,
                mergeStrategy: CStarAPI.MergeStrategy = .skip, concurrency: Int = 4, maxRequestBytes: Int = CStarAPI.maxRequestBytes,
                logger: Logger) {
        self.client = client
        self.store = store
        self.runId = runId
        self.targetKey = client.target.identity
        self.batchSize = min(max(1, batchSize), CStarAPI.maxImportRecords)
        self.mergeStrategy = mergeStrategy
        self.importConcurrency = max(1, concurrency)
        self.maxRequestBytes = maxRequestBytes
        self.logger = logger
    }

    public func unsupportedReason(_ mapping: EntityMapping) -> String? { nil }

    /// Import batches are independent of each other; per-record targets match against what exists, one at a time.
    public func concurrency(for mapping: EntityMapping) -> Int {
        Self.importTargets.contains(mapping.target) ? importConcurrency : 1
    }

    static let importTargets: Set<TargetResource> = [.customers, .tickets, .articles]

    /// Memberships travel per group, 100 customers a call: a large batch gathers many members of each group
    /// (source order is usually by customer, not by group), so calls are full.
    public func batchSize(for mapping: EntityMapping) -> Int {
        mapping.target == .groupMemberships ? Self.membershipBatch : batchSize
    }

    static let membershipBatch = 20_000

    public func formedBatch(entity: String, index: Int) throws -> Int? {
        try store.formedBatch(runId: runId, entity: entity, index: index)
    }

    // MARK: References

    public func reference(entity: String, key: String) throws -> JSONValue? {
        try store.cstarId(target: targetKey, entity: entity, sourceKey: key).map { .string($0) }
    }

    public func member(email: String) throws -> JSONValue? {
        lookups.withLock { $0.members?[email.lowercased()] }.map { .string($0) }
    }

    private func existing(_ key: String) -> String? { lookups.withLock { $0.existing[key] } }

    // MARK: Entity boundaries

    public func entityStarting(_ mapping: EntityMapping) async throws {
        let start = client.stats.requests
        var existing: [String: String] = [:]
        if lookups.withLock({ $0.members == nil }), Self.usesMembers(mapping) {
            let loaded = try await loadMembers()
            lookups.withLock { $0.members = loaded }
        }
        defer { lookups.withLock { $0.existing = existing; $0.lookupRequests = client.stats.requests - start } }
        switch mapping.target {
        case .customerGroups:
            for g in try await listAll(CStarAPI.listPath(.customerGroups)) {
                guard let id = g["id"]?.stringValue else { continue }
                if let ext = g["externalId"]?.stringValue { existing["ext:\(ext)"] = id }
                if let name = g["name"]?.stringValue { existing["name:\(name.lowercased())"] = id }
            }
        case .categories:
            for c in try await listAll(CStarAPI.listPath(.categories)) {
                guard let id = c["id"]?.stringValue else { continue }
                if let name = c["name"]?.stringValue { existing["name:\(name.lowercased())"] = id }
            }
        case .customFields:
            let fields = try await client.send(.GET, CStarAPI.customFieldsPath).data.arrayValue ?? []
            for f in fields {
                guard let id = f["id"]?.stringValue, let key = f["key"]?.stringValue, let type = f["entityType"]?.stringValue else { continue }
                existing["field:\(type):\(key)"] = id
            }
        default: break
        }
    }

    /// Learns the ids of the records imported for this entity and checks cStar holds every record the run
    /// delivered (imports: by natural key through export windows; per-record targets: their ids in the list).
    public func entityFinished(_ mapping: EntityMapping) async throws -> Reconciliation? {
        // Deliveries are all done: every request from here on is reading back.
        let start = client.stats.requests - lookups.withLock { $0.lookupRequests }
        var check: Reconciliation
        switch mapping.target {
        case .customers, .tickets, .articles:
            try await learnIds(mapping.target, entity: mapping.entity)
            let tally = try store.finishNaturalKeys(runId: runId, entity: mapping.entity, target: targetKey)
            check = Reconciliation(expected: tally.delivered, found: tally.found, messageMismatches: tally.messageMismatches,
                                   missingSample: tally.found < tally.delivered ? try store.missingNaturalKeys(runId: runId, entity: mapping.entity) : [])
        case .customerGroups, .categories, .customFields:
            let ids = try store.runIds(runId: runId, entity: mapping.entity)
            let present: Set<String>
            if mapping.target == .customFields {
                present = Set((try await client.send(.GET, CStarAPI.listPath(.customFields)).data.arrayValue ?? []).compactMap { $0["id"]?.stringValue })
            } else {
                present = Set(try await listAll(CStarAPI.listPath(mapping.target)).compactMap { $0["id"]?.stringValue })
            }
            let missing = ids.filter { !present.contains($0) }
            check = Reconciliation(expected: ids.count, found: ids.count - missing.count, missingSample: Array(missing.prefix(10)))
        case .groupMemberships, .settings:
            return nil
        }
        check.lookupRequests = client.stats.requests - start
        logger.debug("reconciled", metadata: ["entity": "\(mapping.entity)", "expected": "\(check.expected)", "found": "\(check.found)"])
        return check
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
        let recordsHash = String(SHA256.hex(batch.records.map(\.sourceKey).joined(separator: "\n")).prefix(16))
        if let stored = try store.committedOutcome(runId: runId, entity: batch.entity, index: batch.index, recordsHash: recordsHash) {
            return try Self.decode(stored)
        }
        // The key hashes the request as sent (imports: the one body, serialised once and sent as it is).
        let records = Array(batch.records.enumerated())
        let isImport = Self.importTargets.contains(mapping.target)
        let body = JSONSerializer.bytes(isImport ? importBody(records, mapping: mapping) : .array(batch.records.map { .object($0.payload) }))
        let key = IdempotencyKey.batch(runId: runId, entity: batch.entity, index: batch.index, body: body)
        try store.markSent(runId: runId, entity: batch.entity, index: batch.index, key: key.value, records: batch.records.count, recordsHash: recordsHash)
        var ids: [(String, String)] = []
        let outcome: BatchOutcome
        switch mapping.target {
        case .customers, .tickets, .articles: outcome = try await importRecords(records, mapping: mapping, key: key, body: body)
        case .customerGroups, .categories, .customFields: outcome = try await createEach(batch, mapping: mapping, key: key, ids: &ids)
        case .groupMemberships: outcome = try await addMembers(batch, key: key)
        case .settings: outcome = try await patchSettings(batch, key: key)
        }
        try store.commit(runId: runId, entity: batch.entity, index: batch.index, outcome: Self.encode(outcome), target: targetKey, ids: ids,
                         naturalKeys: Self.delivered(batch, target: mapping.target, outcome: outcome)
                            + ids.map { CheckpointStore.NaturalKey(sourceKey: $0.0, natural: "id:\($0.1)", messages: nil, cstarId: $0.1) })
        return outcome
    }

    /// The natural keys of the records cStar accepted (errors excluded); for tickets, the thread length when the
    /// answer shows every record was created (a skipped ticket keeps the thread it already had).
    static func delivered(_ batch: Batch, target: TargetResource, outcome: BatchOutcome) -> [CheckpointStore.NaturalKey] {
        guard importTargets.contains(target) else { return [] }
        let refused = Set(outcome.errors.map(\.index))
        let allCreated = outcome.skipped == 0 && outcome.updated == 0
        let partThreads = Dictionary(outcome.partial.map { ($0.index, $0.present) }, uniquingKeysWith: { a, _ in a })
        return batch.records.enumerated().compactMap { i, r in
            guard !refused.contains(i), let n = naturalKey(target, r.payload) else { return nil }
            let messages = target == .tickets && allCreated ? (partThreads[i] ?? r.payload["messages"]?.arrayValue?.count ?? 0) : nil
            return CheckpointStore.NaturalKey(sourceKey: r.sourceKey, natural: n, messages: messages)
        }
    }

    func importBody(_ records: [(Int, MappedRecord)], mapping: EntityMapping) -> JSONValue {
        .object(JSONObject([
            ("resource", .string(mapping.target.rawValue)),
            ("records", .array(records.map { .object($0.1.payload) })),
            ("mergeStrategy", .string(mergeStrategy.rawValue)),
        ]))
    }

    /// Sends records (with their positions in the batch) in one `POST /import`. When cStar refuses the whole
    /// request because of its records, the refusal is narrowed down, never looping: a `param` naming a record
    /// (`records[3].email`) rejects that record and the rest go again; otherwise the records are split in halves,
    /// down to single records, which are rejected with cStar's reason. A 413 splits the same way, and a single
    /// ticket too large for one request has its thread split. Each narrower request has its own idempotency key,
    /// derived from the batch's, so a resumed run replays them.
    /// `body`: these records' request, when the caller has serialised it already.
    func importRecords(_ records: [(Int, MappedRecord)], mapping: EntityMapping, key: IdempotencyKey, body: [UInt8]? = nil) async throws -> BatchOutcome {
        guard !records.isEmpty else { return BatchOutcome() }
        do {
            let bytes = body ?? JSONSerializer.bytes(importBody(records, mapping: mapping))
            let result = try await client.send(.POST, CStarAPI.importPath, bodyBytes: bytes, idempotencyKey: key).data
            return Self.outcome(result, positions: records.map(\.0))
        } catch let e as CStarAPIError where e.isRefusal && (e.param.map { $0.hasPrefix("records") } ?? true) || e.kind == .tooLarge {
            if e.kind != .tooLarge, let i = Self.recordPosition(e.param), records.indices.contains(i) {
                logger.info("cStar refused one record of a batch; sending the others", metadata: ["param": "\(e.param ?? "")", "code": "\(e.code)"])
                var out = BatchOutcome(errors: [BatchOutcome.RecordError(index: records[i].0, code: e.code, message: e.message,
                                                                         param: Self.fieldParam(e.param))])
                var rest = records
                rest.remove(at: i)
                out.add(try await importRecords(rest, mapping: mapping, key: key.derived("x\(i)")))
                return out
            }
            if records.count == 1 {
                if e.kind == .tooLarge, mapping.target == .tickets, let out = try await importSplitThread(records[0], mapping: mapping, key: key) {
                    return out
                }
                return BatchOutcome(errors: [BatchOutcome.RecordError(index: records[0].0, code: e.code, message: e.message, param: Self.fieldParam(e.param))])
            }
            logger.info("cStar refused a batch; splitting it to find the records at fault", metadata: ["records": "\(records.count)", "code": "\(e.code)"])
            let mid = records.count / 2
            var out = try await importRecords(Array(records[..<mid]), mapping: mapping, key: key.derived("a"))
            out.add(try await importRecords(Array(records[mid...]), mapping: mapping, key: key.derived("b")))
            return out
        }
    }

    /// An import answer, with error indexes mapped back to positions in the batch.
    static func outcome(_ result: JSONValue, positions: [Int]) -> BatchOutcome {
        BatchOutcome(
            created: Int(result["created"]?.intValue ?? 0), updated: Int(result["updated"]?.intValue ?? 0),
            skipped: Int(result["skipped"]?.intValue ?? 0),
            errors: (result["errors"]?.arrayValue ?? []).map { e in
                let i = Int(e["index"]?.intValue ?? -1)
                return BatchOutcome.RecordError(index: positions.indices.contains(i) ? positions[i] : -1, code: e["code"]?.stringValue ?? "import_error",
                                                message: e["message"]?.stringValue ?? "no reason given", param: e["param"]?.stringValue)
            })
    }

    /// `records[3].email` → 3.
    static func recordPosition(_ param: String?) -> Int? {
        guard let p = param, p.hasPrefix("records["), let close = p.firstIndex(of: "]") else { return nil }
        return Int(p[p.index(p.startIndex, offsetBy: 8)..<close])
    }

    /// `records[3].email` → `email` (the field of the record).
    static func fieldParam(_ param: String?) -> String? {
        guard let p = param, p.hasPrefix("records["), let close = p.firstIndex(of: "]") else { return param }
        let rest = p[p.index(after: close)...]
        return rest.hasPrefix(".") ? String(rest.dropFirst()) : (rest.isEmpty ? nil : String(rest))
    }

    /// A ticket whose thread does not fit one request: the ticket goes with the first half of its thread (or
    /// less, halving until cStar takes it), then the remaining messages one `POST /tickets/{id}/messages` each,
    /// with their original timestamps. The ticket's `messageCount` says where a resumed run continues, so no
    /// message is added twice. nil when the ticket cannot be found again (no createdAt to search by).
    func importSplitThread(_ record: (Int, MappedRecord), mapping: EntityMapping, key: IdempotencyKey) async throws -> BatchOutcome? {
        let payload = record.1.payload
        let thread = payload["messages"]?.arrayValue ?? []
        guard thread.count > 1, let externalId = payload["externalId"]?.scalarText, let createdAt = payload["createdAt"]?.stringValue else { return nil }
        // The ticket exists with the first `present` messages of its thread; the rest are reported missing.
        func incomplete(_ head: BatchOutcome, present: Int, _ why: String) -> BatchOutcome {
            var o = head
            o.partial.append(BatchOutcome.Partial(index: record.0, present: present, missing: thread.count - present, code: "thread_incomplete", message: why))
            return o
        }
        var inline = thread.count / 2
        var head: BatchOutcome
        while true {
            var part = record.1
            part.payload["messages"] = .array(Array(thread.prefix(inline)))
            do {
                let result = try await client.send(.POST, CStarAPI.importPath, body: importBody([(record.0, part)], mapping: mapping),
                                                   idempotencyKey: key.derived("t\(inline)")).data
                head = Self.outcome(result, positions: [record.0])
                break
            } catch let e as CStarAPIError where e.kind == .tooLarge {
                guard inline > 0 else {
                    return BatchOutcome(errors: [BatchOutcome.RecordError(index: record.0, code: e.code, message: "the ticket is too large for one request even without its messages: \(e.message)", param: "messages")])
                }
                inline /= 2
            } catch let e as CStarAPIError where e.isRefusal {
                return BatchOutcome(errors: [BatchOutcome.RecordError(index: record.0, code: e.code, message: e.message, param: Self.fieldParam(e.param))])
            }
        }
        // A ticket cStar already had (skipped or updated) keeps the thread it has: nothing is appended to it.
        guard head.errors.isEmpty, head.created == 1 else { return head }
        let found: JSONValue?
        do {
            found = try await findTicket(externalId: externalId, createdAt: createdAt)
        } catch FindTicketError.unreadableCreatedAt {
            return incomplete(head, present: inline, "the ticket was imported with \(inline) of \(thread.count) messages; the rest could not be added because its createdAt '\(createdAt)' is not ISO 8601 (use the date transform)")
        }
        guard let ticket = found, let id = ticket["id"]?.stringValue else {
            // Not committed: a re-run replays the import (answered as before) and looks again.
            throw ThreadSplitError(externalId: externalId, inline: inline, total: thread.count)
        }
        let already = Int(ticket["messageCount"]?.intValue ?? Int64(inline))
        logger.info("ticket thread split", metadata: ["externalId": "\(externalId)", "inline": "\(inline)", "messages": "\(thread.count)", "present": "\(already)"])
        for (i, m) in thread.enumerated() where i >= already {
            do {
                _ = try await client.send(.POST, CStarAPI.ticketMessagesPath(ticketId: id), body: m, idempotencyKey: key.derived("m\(i)"))
            } catch let e as CStarAPIError where e.concernsTheRequest {
                return incomplete(head, present: i, "the ticket was imported with \(i) of \(thread.count) messages: message \(i + 1) was refused (\(e.code): \(e.message)), and the \(thread.count - i - 1) after it were not sent")
            }
        }
        return head
    }

    enum FindTicketError: Error { case unreadableCreatedAt }

    struct ThreadSplitError: Error, CustomStringConvertible {
        let externalId: String
        let inline: Int
        let total: Int
        var description: String {
            "ticket \(externalId) was imported with \(inline) of its \(total) messages but could not be found again to add the rest; re-run to continue"
        }
    }

    /// A ticket by externalId, through an export window at its creation time (the import keeps createdAt).
    func findTicket(externalId: String, createdAt: String) async throws -> JSONValue? {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let at = plain.date(from: createdAt) ?? fractional.date(from: createdAt) else { throw FindTicketError.unreadableCreatedAt }
        let body: JSONValue = .object(JSONObject([
            ("resources", .array([.object(JSONObject([("type", .string("tickets")), ("filters", .object(JSONObject([
                ("createdAfter", .string(createdAt)), ("createdBefore", .string(plain.string(from: at.addingTimeInterval(1)))),
            ])))]))])),
            ("format", .string("json")),
        ]))
        let rows = try await client.send(.POST, CStarAPI.exportPath, body: body).data["resources"]?["tickets"]?.arrayValue ?? []
        return rows.first { $0["externalId"]?.scalarText == externalId }
    }

    /// Targets without a bulk create: one POST per record not already there.
    func createEach(_ batch: Batch, mapping: EntityMapping, key: IdempotencyKey, ids: inout [(String, String)]) async throws -> BatchOutcome {
        var outcome = BatchOutcome()
        for (i, r) in batch.records.enumerated() {
            let match: String?
            switch mapping.target {
            case .customerGroups:
                match = r.payload["externalId"]?.stringValue.flatMap { existing("ext:\($0)") }
                    ?? r.payload["name"]?.stringValue.flatMap { existing("name:\($0.lowercased())") }
            case .categories: match = r.payload["name"]?.stringValue.flatMap { existing("name:\($0.lowercased())") }
            default:
                match = (r.payload["entityType"]?.stringValue).flatMap { t in r.payload["key"]?.stringValue.flatMap { existing("field:\(t):\($0)") } }
            }
            if let id = match {
                ids.append((r.sourceKey, id))
                outcome.skipped += 1
                continue
            }
            do {
                let created = try await client.send(.POST, CStarAPI.listPath(mapping.target), body: .object(r.payload), idempotencyKey: key.derived("r\(i)"))
                if let id = created.data["id"]?.stringValue { ids.append((r.sourceKey, id)) }
                outcome.created += 1
            } catch let e as CStarAPIError where e.isRefusal || e.kind == .conflict {
                outcome.errors.append(BatchOutcome.RecordError(index: i, code: e.code, message: e.message, param: e.param))
            }
        }
        return outcome
    }

    func addMembers(_ batch: Batch, key: IdempotencyKey) async throws -> BatchOutcome {
        var outcome = BatchOutcome()
        var byGroup: [String: [(Int, String)]] = [:]
        var order: [String] = []
        for (i, r) in batch.records.enumerated() {
            guard let g = r.payload["groupId"]?.stringValue, let c = r.payload["customerId"]?.stringValue else {
                outcome.errors.append(BatchOutcome.RecordError(index: i, code: "unresolved_reference", message: "group or customer has no cStar id", param: nil, notSent: true))
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
                                                   idempotencyKey: key.derived("\(SHA256.hex(g).prefix(8))-\(chunkStart)")).data
                let added = Int(result["added"]?.intValue ?? Int64(chunk.count))
                outcome.created += added
                outcome.skipped += chunk.count - added
            }
        }
        return outcome
    }

    /// `#RRGGBB`, the form cStar's status list takes.
    static func isStatusColor(_ s: String) -> Bool {
        s.utf8.count == 7 && s.hasPrefix("#") && s.utf8.dropFirst().allSatisfy { (48...57).contains($0) || (65...70).contains($0) || (97...102).contains($0) }
    }

    func patchSettings(_ batch: Batch, key: IdempotencyKey) async throws -> BatchOutcome {
        var outcome = BatchOutcome()
        let statuses = batch.records.filter { $0.payload["section"]?.stringValue == "statuses" }
        if !statuses.isEmpty {
            var list = try await client.send(.GET, CStarAPI.settingsPath(section: "statuses")).data.arrayValue ?? []
            var added = 0
            var refused = 0
            for (i, r) in batch.records.enumerated() where r.payload["section"]?.stringValue == "statuses" {
                guard let k = r.payload["key"]?.stringValue, !list.contains(where: { $0["key"]?.stringValue == k }) else { continue }
                var item = JSONObject([("key", .string(k)), ("label", r.payload["label"] ?? .string(k))])
                if let color = r.payload["color"] {
                    // One bad colour would make cStar refuse the whole list: refuse that status alone.
                    guard let c = color.stringValue, Self.isStatusColor(c) else {
                        outcome.errors.append(BatchOutcome.RecordError(index: i, code: "invalid_color", message: "'color' must be a #RRGGBB colour, got \(JSONSerializer.string(color))", param: "color", notSent: true))
                        refused += 1
                        continue
                    }
                    item["color"] = .string(c)
                }
                item["position"] = .int(Int64(list.count + 1))
                list.append(.object(item))
                added += 1
            }
            if added > 0 {
                let items: [JSONValue] = list.map { item in
                    var o = JSONObject()
                    for f in ["key", "label", "color", "position"] { if let v = item[f] { o[f] = v } }
                    return .object(o)
                }
                _ = try await client.send(.PATCH, CStarAPI.settingsPath(section: "statuses"), body: .object(JSONObject([("statuses", .array(items))])), idempotencyKey: key.derived("statuses"))
            }
            outcome.created += added
            outcome.skipped += statuses.count - added - refused
        }
        for (i, r) in batch.records.enumerated() where r.payload["section"]?.stringValue != "statuses" {
            var body = r.payload
            let section = body["section"]?.stringValue ?? ""
            body["section"] = nil
            do {
                _ = try await client.send(.PATCH, section.isEmpty ? CStarAPI.settingsPath : CStarAPI.settingsPath(section: section), body: .object(body), idempotencyKey: key.derived("r\(i)"))
                outcome.updated += 1
            } catch let e as CStarAPIError where e.isRefusal {
                outcome.errors.append(BatchOutcome.RecordError(index: i, code: e.code, message: e.message, param: e.param))
            }
        }
        return outcome
    }

    // MARK: Reading back

    func loadMembers() async throws -> [String: String] {
        var out: [String: String] = [:]
        for m in try await listAll(CStarAPI.membersPath) {
            if let email = m["email"]?.stringValue?.lowercased(), let id = m["id"]?.stringValue { out[email] = id }
        }
        return out
    }

    func listAll(_ path: String) async throws -> [JSONValue] {
        var out: [JSONValue] = []
        try await client.forEachListed(path) { out.append($0) }
        return out
    }

    /// Matches every record of a resource in cStar to the natural keys this run delivered, through the same
    /// export-window walk as `export` (10,000 rows a request, past the cap, none missed or repeated), a thousand
    /// rows at a time: only one window is in memory.
    func learnIds(_ target: TargetResource, entity: String) async throws {
        var pending: [(natural: String, id: String, messages: Int?)] = []
        _ = try await ExportWindowWalker().walk(APIExportWindows(client: client, type: target, filters: [], until: nil, includeMessages: false)) { row in
            if let id = row["id"]?.stringValue, let n = Self.naturalKey(target, row) {
                pending.append((n, id, row["messageCount"]?.intValue.map { Int($0) }))
            }
            if pending.count >= 1000 {
                try store.matchNaturalKeys(runId: runId, entity: entity, pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        try store.matchNaturalKeys(runId: runId, entity: entity, pending)
    }

    // MARK: Outcome storage

    /// A delivered batch's outcome as committed with it; a resumed run reports it again from here (the rejects
    /// file and the counts are rebuilt on every run), so everything the report needs is kept.
    static func encode(_ o: BatchOutcome) -> String {
        JSONSerializer.string(.object(JSONObject([
            ("created", .int(Int64(o.created))), ("updated", .int(Int64(o.updated))), ("skipped", .int(Int64(o.skipped))),
            ("errors", .array(o.errors.map { e in
                .object(JSONObject([("index", .int(Int64(e.index))), ("code", .string(e.code)), ("message", .string(e.message)),
                                    ("param", e.param.map { .string($0) } ?? .null), ("notSent", .bool(e.notSent))]))
            })),
            ("partial", .array(o.partial.map { p in
                .object(JSONObject([("index", .int(Int64(p.index))), ("present", .int(Int64(p.present))), ("missing", .int(Int64(p.missing))),
                                    ("code", .string(p.code)), ("message", .string(p.message))]))
            })),
        ])))
    }

    /// Reads what `encode` wrote; outcomes committed by earlier versions have no `partial` or `notSent`.
    static func decode(_ s: String) throws -> BatchOutcome {
        let v = try JSONParser.parse(s)
        var o = BatchOutcome(created: Int(v["created"]?.intValue ?? 0), updated: Int(v["updated"]?.intValue ?? 0),
                             skipped: Int(v["skipped"]?.intValue ?? 0),
                             errors: (v["errors"]?.arrayValue ?? []).map { e in
                                 BatchOutcome.RecordError(index: Int(e["index"]?.intValue ?? -1), code: e["code"]?.stringValue ?? "",
                                                          message: e["message"]?.stringValue ?? "", param: e["param"]?.stringValue,
                                                          notSent: e["notSent"]?.boolValue ?? false)
                             })
        o.partial = (v["partial"]?.arrayValue ?? []).map { p in
            BatchOutcome.Partial(index: Int(p["index"]?.intValue ?? -1), present: Int(p["present"]?.intValue ?? 0),
                                 missing: Int(p["missing"]?.intValue ?? 0), code: p["code"]?.stringValue ?? "", message: p["message"]?.stringValue ?? "")
        }
        return o
    }
}
