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
    struct Lookups {
        var members: [String: String]?
        /// Existing records of per-record targets, by match key (externalId, name, slug, field key).
        var existing: [String: String] = [:]
        /// Requests spent reading what cStar holds before the entity's first batch (its deliveries not counted).
        var lookupRequests = 0
    }
    let lookups = Mutex(Lookups())
    /// Records this invocation had to send, per entity: what `minimumRequests` is counted from.
    let sentRecords = Mutex([String: (target: TargetResource, records: Int)]())
    /// Delta runs: the PATCHes and appended messages sent (each its own request).
    let deltaWrites = Mutex(0)

    /// The fewest requests that could have carried what this invocation sent: batches a resumed run had committed
    /// and records cStar already held (matched by the listing, no request) are not counted.
    public var minimumRequests: Int {
        sentRecords.withLock { $0.values.reduce(0) { $0 + Pipeline.minimumRequests($1.target, records: $1.records) } } + deltaWrites.withLock { $0 }
    }

    /// A delta run: records earlier runs delivered are compared with what they sent (see `DeltaDeliverer`).
    public let delta: Bool
    public var isDelta: Bool { delta }
    /// With `delta`: records earlier runs delivered that this export no longer holds are deleted from cStar.
    public let deleteMissing: Bool
    /// With `delta`: report records earlier runs delivered that the export lacks (not for `--since` runs, whose
    /// export is read as incremental).
    public let reportsAbsent: Bool
    /// Source keys of the batches delivered (or replayed) in this run, per entity: what the export still holds.
    let seen = Mutex([String: Set<String>]())

    public init(client: CStarClient, store: CheckpointStore, runId: String, batchSize: Int = CStarAPI.maxImportRecords,
                mergeStrategy: CStarAPI.MergeStrategy = .skip, concurrency: Int = 4, maxRequestBytes: Int = CStarAPI.maxRequestBytes,
                delta: Bool = false, deleteMissing: Bool = false, reportsAbsent: Bool = true, logger: Logger) {
        self.delta = delta
        self.reportsAbsent = reportsAbsent
        self.deleteMissing = deleteMissing
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

    /// The one deliverer of each target family; checkpointing around it is the same for all (`deliver`).
    func deliverer(for target: TargetResource) -> any Deliverer {
        switch target {
        case .customers, .tickets, .articles: return ImportDeliverer(client: client, mergeStrategy: mergeStrategy, logger: logger)
        case .customerGroups, .categories, .customFields: return PerRecordDeliverer(client: client, existing: { key in self.lookups.withLock { $0.existing[key] } })
        case .groupMemberships: return MembershipDeliverer(client: client)
        case .settings: return SettingsDeliverer(client: client)
        }
    }

    public func deliver(_ batch: Batch, mapping: EntityMapping) async throws -> BatchOutcome {
        if delta { seen.withLock { $0[batch.entity, default: []].formUnion(batch.records.map(\.sourceKey)) } }
        let recordsHash = String(SHA256.hex(batch.records.map(\.sourceKey).joined(separator: "\n")).prefix(16))
        if let stored = try store.committedOutcome(runId: runId, entity: batch.entity, index: batch.index, recordsHash: recordsHash) {
            return try Self.decode(stored)
        }
        // The key hashes the request as sent (imports: the one body, serialised once and sent as it is).
        let deliverer: any Deliverer
        if delta, Self.importTargets.contains(mapping.target) {
            // Read before the batch is marked sent: a resumed attempt of this batch sees the same states (they change
            // only in this batch's own commit).
            let keys = batch.records.map(\.sourceKey)
            deliverer = DeltaDeliverer(importer: ImportDeliverer(client: client, mergeStrategy: mergeStrategy, logger: logger), client: client,
                                       logger: logger, known: try store.cstarIds(target: targetKey, entity: batch.entity, sourceKeys: keys),
                                       states: try store.recordStates(target: targetKey, entity: batch.entity, sourceKeys: keys))
        } else if delta, [.groupMemberships, .settings].contains(mapping.target) {
            return try await deliverChanged(batch, mapping: mapping, recordsHash: recordsHash)
        } else {
            deliverer = self.deliverer(for: mapping.target)
        }
        let body = deliverer.body(batch, mapping: mapping)
        let key = IdempotencyKey.batch(runId: runId, entity: batch.entity, index: batch.index, body: body)
        try store.markSent(runId: runId, entity: batch.entity, index: batch.index, key: key.value, records: batch.records.count, recordsHash: recordsHash)
        let delivered = try await deliverer.deliver(batch, mapping: mapping, body: body, key: key)
        let outcome = delivered.outcome, ids = delivered.ids
        // Imports and memberships carry the whole batch in their calls; a per-record target sends only the records
        // it did not find already in cStar (a skip there is a match from the listing).
        let perRecord: Set<TargetResource> = [.customerGroups, .categories, .customFields]
        let needed = perRecord.contains(mapping.target)
            ? outcome.created + outcome.updated + outcome.errors.filter { !$0.notSent }.count : batch.records.count
        if outcome.childrenExisting != nil {
            // A delta: imports for its new records only, and one request per PATCH and appended message.
            sentRecords.withLock { $0[batch.entity, default: (mapping.target, 0)].records += outcome.created + outcome.errors.filter { !$0.notSent }.count }
            deltaWrites.withLock { $0 += outcome.patched + outcome.childrenAppended }
        } else {
            sentRecords.withLock { $0[batch.entity, default: (mapping.target, 0)].records += needed }
        }
        try store.commit(runId: runId, entity: batch.entity, index: batch.index, outcome: Self.encode(outcome), target: targetKey, ids: ids,
                         naturalKeys: Self.delivered(batch, target: mapping.target, outcome: outcome)
                            + ids.map { CheckpointStore.NaturalKey(sourceKey: $0.0, natural: "id:\($0.1)", messages: nil, cstarId: $0.1) },
                         states: delivered.states ?? Self.states(batch, target: mapping.target, outcome: outcome))
        return outcome
    }

    /// A delta batch of memberships or settings: only the records whose payload differs from what the last delivery
    /// sent go out (none, when nothing changed); the rest are skipped as unchanged.
    func deliverChanged(_ batch: Batch, mapping: EntityMapping, recordsHash: String) async throws -> BatchOutcome {
        let old = try store.recordStates(target: targetKey, entity: batch.entity, sourceKeys: batch.records.map(\.sourceKey))
        let now = batch.records.map { RecordState.of($0.payload, childField: nil) }
        let changed = batch.records.indices.filter { old[batch.records[$0].sourceKey] != now[$0] }
        let part = Batch(entity: batch.entity, target: batch.target, index: batch.index, records: changed.map { batch.records[$0] })
        let deliverer = self.deliverer(for: mapping.target)
        let body = deliverer.body(part, mapping: mapping)
        let key = IdempotencyKey.batch(runId: runId, entity: batch.entity, index: batch.index, body: body)
        try store.markSent(runId: runId, entity: batch.entity, index: batch.index, key: key.value, records: batch.records.count, recordsHash: recordsHash)
        var outcome = BatchOutcome()
        if !part.records.isEmpty {
            sentRecords.withLock { $0[batch.entity, default: (mapping.target, 0)].records += part.records.count }
            outcome = try await deliverer.deliver(part, mapping: mapping, body: body, key: key).outcome
            outcome.errors = outcome.errors.map { var e = $0; e.index = changed.indices.contains(e.index) ? changed[e.index] : e.index; return e }
        }
        outcome.skipped += batch.records.count - part.records.count
        outcome.unchanged += batch.records.count - part.records.count
        let refused = Set(outcome.errors.map(\.index))
        try store.commit(runId: runId, entity: batch.entity, index: batch.index, outcome: Self.encode(outcome), target: targetKey, ids: [],
                         states: changed.filter { !refused.contains($0) }.map { (batch.records[$0].sourceKey, now[$0]) })
        return outcome
    }

    /// What cStar holds of the batch's records after a first-run delivery, when the answer says so exactly: every
    /// import record not refused was created (with its thread, or the part of it a split delivered); memberships
    /// and settings not refused are in place (added, or there already).
    static func states(_ batch: Batch, target: TargetResource, outcome: BatchOutcome) -> [(String, RecordState)] {
        if target == .groupMemberships || target == .settings {
            let refused = Set(outcome.errors.map(\.index))
            return batch.records.enumerated().compactMap { i, r in refused.contains(i) ? nil : (r.sourceKey, RecordState.of(r.payload, childField: nil)) }
        }
        guard importTargets.contains(target), outcome.skipped == 0, outcome.updated == 0 else { return [] }
        let refused = Set(outcome.errors.map(\.index))
        let partial = Dictionary(outcome.partial.map { ($0.index, $0.present) }, uniquingKeysWith: { a, _ in a })
        return batch.records.enumerated().compactMap { i, r in
            refused.contains(i) ? nil : (r.sourceKey, importedState(r, target: target, present: partial[i]))
        }
    }

    /// What cStar holds of a record an import created: its payload, with only the first `present` children when a
    /// split delivered part of its thread.
    static func importedState(_ r: MappedRecord, target: TargetResource, present: Int?) -> RecordState {
        var s = RecordState.of(r.payload, childField: DeltaDeliverer.childField(target))
        if let p = present { s.children = Array(s.children.prefix(p)) }
        return s
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

}
