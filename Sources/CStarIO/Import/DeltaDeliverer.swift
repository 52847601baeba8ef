import Foundation
import Logging

/// Delivery of a delta run (`migrate --delta`) for the import targets: each record is compared with what the last
/// delivery put into cStar (`RecordState`, by the ID map of earlier runs against the same team). New records are
/// imported as in a first run; changed ones get one `PATCH` with the fields that changed; tickets get the messages
/// cStar lacks appended in order (`POST /tickets/{id}/messages`), never a second copy of one it holds; unchanged
/// records cost no request. Every write carries a key derived from the batch's, so a resumed delta replays.
struct DeltaDeliverer: Deliverer {
    let importer: ImportDeliverer
    let client: CStarClient
    let logger: Logger
    /// cStar ids of records earlier runs delivered, by source key (this batch's records only).
    let known: [String: String]
    /// Their states as last delivered (missing for records delivered before states were kept).
    let states: [String: RecordState]

    func body(_ batch: Batch, mapping: EntityMapping) -> [UInt8] { importer.body(batch, mapping: mapping) }

    static func childField(_ target: TargetResource) -> String? { target == .tickets ? "messages" : nil }

    /// How a record compares with what the last delivery put into cStar.
    enum Change {
        case new
        case unchanged
        /// The fields that differ, and the positions of the children cStar lacks.
        case changed(fields: [String], newChildren: [Int])
        /// Delivered before states were kept: which version cStar holds is not known.
        case unknownVersion
    }

    /// The one comparison `migrate --delta` and `plan --delta` make.
    static func compare(_ now: RecordState, known: Bool, state: RecordState?) -> Change {
        guard known else { return .new }
        guard let old = state else { return .unknownVersion }
        let fields = now.changedFields(since: old)
        let children = now.newChildren(since: old)
        return fields.isEmpty && children.isEmpty ? .unchanged : .changed(fields: fields, newChildren: children)
    }

    func deliver(_ batch: Batch, mapping: EntityMapping, body: [UInt8], key: IdempotencyKey) async throws -> Delivered {
        let resource = mapping.target
        let childField = Self.childField(resource)
        var out = BatchOutcome()
        out.childrenExisting = 0
        var newStates: [(String, RecordState)] = []
        var fresh: [(Int, MappedRecord)] = []
        for (i, r) in batch.records.enumerated() {
            let now = RecordState.of(r.payload, childField: childField)
            guard let id = known[r.sourceKey] else { fresh.append((i, r)); continue }
            let children = childField.flatMap { r.payload[$0]?.arrayValue } ?? []
            // What cStar holds: the state the last delivery left, or — delivered before states were kept — every
            // field taken as changed and the thread's first `messageCount` messages as present (threads only grow).
            let changed: [String]
            let pending: [Int]
            switch Self.compare(now, known: true, state: states[r.sourceKey]) {
            case .new, .unchanged:
                out.skipped += 1
                out.unchanged += 1
                out.childrenExisting! += children.count
                continue
            case .changed(let fields, let newChildren):
                changed = fields
                pending = newChildren
            case .unknownVersion:
                changed = now.fields.keys.sorted()
                var held = 0
                if childField != nil {
                    let ticket = try await client.send(.GET, CStarAPI.itemPath(resource, id: id)).data
                    held = Int(ticket["messageCount"]?.intValue ?? 0)
                }
                pending = Array(min(held, children.count)..<children.count)
            }
            var patch = JSONObject()
            for f in changed {
                if ResourceFields.writable[resource.rawValue]?[f] != nil {
                    patch[f] = r.payload[f] ?? .null
                } else {
                    out.notes["\(resource.rawValue) whose \(f) changed in the source: cStar takes no update of \(f) (kept as first migrated)", default: 0] += 1
                }
            }
            if !patch.isEmpty {
                do {
                    _ = try await client.send(.PATCH, CStarAPI.itemPath(resource, id: id), body: .object(patch), idempotencyKey: key.derived("p\(i)"))
                    out.patched += 1
                } catch let e as CStarAPIError where e.concernsTheRequest {
                    out.errors.append(BatchOutcome.RecordError(index: i, code: e.code, message: "the update was refused: \(e.message)", param: e.param))
                    continue
                }
            }
            let present = children.count - pending.count
            var appended = 0
            for j in pending {
                do {
                    _ = try await client.send(.POST, CStarAPI.ticketMessagesPath(ticketId: id), body: children[j], idempotencyKey: key.derived("m\(i)-\(j)"))
                    appended += 1
                } catch let e as CStarAPIError where e.concernsTheRequest {
                    out.partial.append(BatchOutcome.Partial(index: i, present: present + appended, missing: pending.count - appended, code: "append_refused",
                                                            message: "message \(j + 1) of the thread was refused (\(e.code): \(e.message)); the \(pending.count - appended - 1) new ones after it were not sent"))
                    break
                }
            }
            out.updated += 1
            out.childrenExisting! += present
            out.childrenAppended += appended
            if !patch.isEmpty { out.notes["\(resource.rawValue) updated: \(patch.pairs.map(\.0).joined(separator: ", "))", default: 0] += 1 }
            if appended > 0 { out.notes["\(resource.rawValue) with new messages appended", default: 0] += 1 }
            // What cStar now holds: the new fields, the children it had plus those appended (all of them, unless one was refused).
            var state = now
            if appended < pending.count {
                let missing = Set(pending[appended...])
                state.children = children.indices.filter { !missing.contains($0) }.map { now.children[$0] }
            }
            newStates.append((r.sourceKey, state))
        }
        if !fresh.isEmpty {
            let sub = try await importer.importRecords(fresh, mapping: mapping, key: key.derived("n"))
            out.add(sub)
            let refused = Set(sub.errors.map(\.index))
            var carried = 0
            for (i, r) in fresh where !refused.contains(i) { carried += childField.flatMap { r.payload[$0]?.arrayValue?.count } ?? 0 }
            if sub.created == 0 && sub.skipped + sub.updated > 0 {
                // cStar had them already (another tool, or a run against another state folder): their threads stay as they are.
                out.childrenExisting! += carried
            } else if sub.skipped + sub.updated > 0 {
                out.notes["\(mapping.entity) already in cStar, in batches with new ones: their messages are kept as cStar has them", default: 0] += sub.skipped + sub.updated
            }
            if sub.skipped == 0 && sub.updated == 0 {
                let partial = Dictionary(sub.partial.map { ($0.index, $0.present) }, uniquingKeysWith: { a, _ in a })
                for (i, r) in fresh where !refused.contains(i) {
                    newStates.append((r.sourceKey, CStarSink.importedState(r, target: resource, present: partial[i])))
                }
            }
        }
        return Delivered(outcome: out, states: newStates)
    }
}
