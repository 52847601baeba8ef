import Foundation
import Synchronization

/// The offline sink of `plan` and `validate`: nothing is sent. Every mapped record counts as "would create",
/// references become readable placeholders (`@customers:36100000007`, `@member:alex@example.com`), and with
/// an output folder each batch is written exactly as it would be sent.
public final class PlanSink: BatchSink {
    public let batchSize: Int
    public let outputDirectory: String?
    private let written = Mutex<[String]>([])
    public var filesWritten: [String] { written.withLock { $0 } }

    /// `plan --delta`: what earlier runs delivered to `target`, from their checkpoint store.
    public struct DeltaBase: Sendable {
        public let store: CheckpointStore
        public let target: String
        public init(store: CheckpointStore, target: String) {
            self.store = store
            self.target = target
        }
    }
    public let deltaBase: DeltaBase?
    private let seen = Mutex([String: Set<String>]())

    public init(batchSize: Int = CStarAPI.maxImportRecords, outputDirectory: String? = nil, delta: DeltaBase? = nil) {
        self.batchSize = batchSize
        self.outputDirectory = outputDirectory
        self.deltaBase = delta
    }

    public var isDelta: Bool { deltaBase != nil }

    /// What a delta would do with the batch, sending nothing: the same comparison as `migrate --delta`.
    func deltaOutcome(_ batch: Batch, mapping: EntityMapping, base: DeltaBase) throws -> BatchOutcome {
        seen.withLock { $0[batch.entity, default: []].formUnion(batch.records.map(\.sourceKey)) }
        let keys = batch.records.map(\.sourceKey)
        let states = try base.store.recordStates(target: base.target, entity: batch.entity, sourceKeys: keys)
        let ids = try base.store.cstarIds(target: base.target, entity: batch.entity, sourceKeys: keys)
        var out = BatchOutcome()
        let target = mapping.target
        let isImport = [.customers, .tickets, .articles].contains(target)
        if isImport { out.childrenExisting = 0 }
        for r in batch.records {
            let known = ids[r.sourceKey] != nil
            guard isImport else {
                // Memberships and settings go again when they changed; other per-record targets are matched by name.
                let unchanged = target == .groupMemberships || target == .settings
                    ? states[r.sourceKey] == RecordState.of(r.payload, childField: nil) : known
                if unchanged { out.skipped += 1; out.unchanged += 1 } else { out.created += 1 }
                continue
            }
            var now = RecordState.of(r.payload, childField: DeltaDeliverer.childField(target))
            // cStar's member ids are not known offline: an assignee counts as unchanged here (migrate --delta compares it).
            if let old = states[r.sourceKey] {
                for (f, v) in r.payload.pairs where v.stringValue?.hasPrefix("@member:") == true { now.fields[f] = old.fields[f] }
            }
            switch DeltaDeliverer.compare(now, known: known, state: states[r.sourceKey]) {
            case .new:
                out.created += 1
            case .unchanged:
                out.skipped += 1
                out.unchanged += 1
                out.childrenExisting! += now.children.count
            case .changed(let fields, let newChildren):
                out.updated += 1
                out.childrenExisting! += now.children.count - newChildren.count
                out.childrenAppended += newChildren.count
                if !fields.isEmpty { out.notes["\(target.rawValue) would be updated: \(fields.joined(separator: ", "))", default: 0] += 1 }
                if !newChildren.isEmpty { out.notes["\(target.rawValue) would get new messages appended", default: 0] += 1 }
            case .unknownVersion:
                out.updated += 1
                out.notes["\(target.rawValue) delivered before field digests were kept: every field would be updated, the thread compared by its length", default: 0] += 1
            }
        }
        return out
    }

    public func entityFinished(_ mapping: EntityMapping) async throws -> Reconciliation? {
        guard let base = deltaBase, [.customers, .tickets, .articles].contains(mapping.target) else { return nil }
        let seenKeys = seen.withLock { $0[mapping.entity] ?? [] }
        let absent = try base.store.absentSourceKeys(target: base.target, entity: mapping.entity, seen: seenKeys)
        guard !absent.isEmpty else { return nil }
        var r = Reconciliation(expected: 0, found: 0)
        r.absentFromExport = absent.count
        r.absentSample = Array(absent.prefix(10))
        return r
    }

    public func unsupportedReason(_ mapping: EntityMapping) -> String? { nil }

    public func deliver(_ batch: Batch, mapping: EntityMapping) async throws -> BatchOutcome {
        if let dir = outputDirectory {
            let folder = (dir as NSString).appendingPathComponent(mapping.entity)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let path = (folder as NSString).appendingPathComponent(String(format: "batch-%05d.json", batch.index + 1))
            let out = try LineWriter(path: path)
            try out.write(JSONSerializer.bytes(Self.request(batch, mapping: mapping)) + [10])
            try out.commit()
            written.withLock { $0.append(path) }
        }
        if let base = deltaBase { return try deltaOutcome(batch, mapping: mapping, base: base) }
        return BatchOutcome(created: batch.records.count)
    }

    /// The request a batch becomes: one `POST /import` body, or for other targets the list of per-record
    /// requests (method, path, body).
    public static func request(_ batch: Batch, mapping: EntityMapping) -> JSONValue {
        switch mapping.target {
        case .customers, .tickets, .articles:
            return .object(JSONObject([
                ("method", .string("POST")), ("path", .string(CStarAPI.importPath)),
                ("body", .object(JSONObject([
                    ("resource", .string(mapping.target.rawValue)),
                    ("records", .array(batch.records.map { .object($0.payload) })),
                    ("mergeStrategy", .string("skip")),
                ]))),
            ]))
        case .groupMemberships:
            return .array(batch.records.map { r in
                .object(JSONObject([
                    ("method", .string("POST")),
                    ("path", .string(CStarAPI.groupMembersPath(groupId: r.payload["groupId"]?.scalarText ?? "?"))),
                    ("body", .object(JSONObject([("customerIds", .array([r.payload["customerId"] ?? .null]))]))),
                ]))
            })
        case .settings:
            // Statuses replace the whole list in one call; other sections are patched record by record.
            var calls: [JSONValue] = []
            let statuses = batch.records.filter { $0.payload["section"]?.stringValue == "statuses" }
            if !statuses.isEmpty {
                let items: [JSONValue] = statuses.map { var p = $0.payload; p["section"] = nil; return .object(p) }
                calls.append(.object(JSONObject([("method", .string("PATCH")), ("path", .string(CStarAPI.settingsPath(section: "statuses"))),
                                                 ("body", .object(JSONObject([("statuses", .array(items))])))])))
            }
            for r in batch.records where r.payload["section"]?.stringValue != "statuses" {
                var body = r.payload
                let section = body["section"]?.stringValue ?? ""
                body["section"] = nil
                calls.append(.object(JSONObject([("method", .string("PATCH")), ("path", .string(section.isEmpty ? CStarAPI.settingsPath : CStarAPI.settingsPath(section: section))),
                                                 ("body", .object(body))])))
            }
            return .array(calls)
        case .customerGroups, .categories, .customFields:
            return .array(batch.records.map { r in
                .object(JSONObject([("method", .string("POST")), ("path", .string(CStarAPI.listPath(mapping.target))), ("body", .object(r.payload))]))
            })
        }
    }

    /// With a delta base, records earlier runs delivered resolve to their cStar ids (so payloads compare with what
    /// was sent); everything else to a readable placeholder.
    public func reference(entity: String, key: String) throws -> JSONValue? {
        if let base = deltaBase, let id = try base.store.cstarId(target: base.target, entity: entity, sourceKey: key) { return .string(id) }
        return .string("@\(entity):\(key)")
    }
    public func member(email: String) throws -> JSONValue? { .string("@member:\(email.lowercased())") }
}
