import CStarHash
import Foundation
import Logging
import Synchronization

/// Reading back: what cStar holds after an entity, checked against what the run delivered, and the ids it gave.
extension CStarSink {
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
        if delta, reportsAbsent, Self.importTargets.contains(mapping.target) { try await accountAbsent(mapping, into: &check) }
        check.lookupRequests = client.stats.requests - start
        logger.debug("reconciled", metadata: ["entity": "\(mapping.entity)", "expected": "\(check.expected)", "found": "\(check.found)"])
        return check
    }

    /// Records earlier runs delivered that this export no longer holds (deleted in the source, or an incremental
    /// export): counted, and deleted from cStar only with `deleteMissing`.
    func accountAbsent(_ mapping: EntityMapping, into check: inout Reconciliation) async throws {
        let seenKeys = seen.withLock { $0[mapping.entity] ?? [] }
        let absent = try store.absentSourceKeys(target: targetKey, entity: mapping.entity, seen: seenKeys)
        check.absentFromExport = absent.count
        check.absentSample = Array(absent.prefix(10))
        guard deleteMissing else { return }
        for key in absent {
            if let id = try store.cstarId(target: targetKey, entity: mapping.entity, sourceKey: key) {
                do {
                    _ = try await client.send(.DELETE, CStarAPI.itemPath(mapping.target, id: id))
                } catch let e as CStarAPIError where e.kind == .notFound {
                    // Already gone (a retried delete, or someone removed it): nothing left to do.
                }
            }
            try store.forget(target: targetKey, entity: mapping.entity, sourceKey: key)
            check.deletedAbsent += 1
        }
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
}
