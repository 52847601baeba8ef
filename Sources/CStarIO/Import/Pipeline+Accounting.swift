import CStarHash
import Foundation
import Logging

/// The accounting of a run, in one place: every record read is created, updated, skipped, rejected or failed, and
/// every child read is delivered, skipped or rejected (read = imported + rejected + skipped).
extension Pipeline {
    /// Children a mapped record carries in its payload (they share the fate of their parent).
    static func childCount(_ m: MappedRecord, _ mapping: EntityMapping) -> Int {
        mapping.children.reduce(0) { $0 + (m.payload[$1.target]?.arrayValue?.count ?? 0) }
    }

    /// Adds a delivered batch to the entity's counts; refused and per-record errors go to the rejects file.
    func account(_ batch: Batch, _ delivery: Delivery, mapping: EntityMapping, summary: inout EntitySummary) throws {
        let outcome: BatchOutcome
        switch delivery {
        case .refused(let e):
            // The whole batch was refused: record every record with the API's reason rather than lose them.
            for m in batch.records {
                summary.rejected += 1
                summary.childRejected += Self.childCount(m, mapping)
                try rejects.write(Diagnostic(location: m.location, entity: mapping.entity, field: e.param, code: e.code, message: e.message),
                                  record: .object(m.payload))
            }
            return
        case .outcome(let o): outcome = o
        }
        summary.created += outcome.created
        summary.updated += outcome.updated
        summary.skipped += outcome.skipped
        if outcome.unchanged > 0 { summary.skippedBy["unchanged", default: 0] += outcome.unchanged }
        if outcome.skipped > outcome.unchanged { summary.skippedBy["exists", default: 0] += outcome.skipped - outcome.unchanged }
        for (k, v) in outcome.notes { summary.notes[k, default: 0] += v }
        // A rejects-file entry for the batch record at `index`, with its source location and payload.
        func reject(_ index: Int, field: String?, code: String, message: String) throws {
            let m = batch.records.indices.contains(index) ? batch.records[index] : nil
            try rejects.write(Diagnostic(location: m?.location, entity: mapping.entity, field: field, code: code, message: message),
                              record: m.map { .object($0.payload) })
        }
        for e in outcome.errors {
            summary.rejected += 1
            if batch.records.indices.contains(e.index) { summary.childRejected += Self.childCount(batch.records[e.index], mapping) }
            try reject(e.index, field: e.param, code: e.code, message: e.notSent ? "not sent: \(e.message)" : "cStar refused the record: \(e.message)")
        }
        // Records cStar already had keep what they have there: the children sent with them are not delivered. cStar
        // answers with counts only, so this is exact when a whole batch was skipped, and a note otherwise.
        // (Updated ones too: an update changes the record's fields, not the thread cStar holds.)
        let existed = outcome.skipped + outcome.updated
        if outcome.childrenExisting != nil { summary.deltaWrites = (summary.deltaWrites ?? 0) + outcome.patched + outcome.childrenAppended }
        if let held = outcome.childrenExisting {
            // A delta delivery compared every record's children with what cStar holds: the rest were appended.
            summary.childSkipped += held
            if held > 0 { summary.notes["\(mapping.children.map(\.target).joined(separator: "/")) of \(mapping.entity) already in cStar (not sent again)", default: 0] += held }
        } else if existed > 0, !mapping.children.isEmpty {
            let what = mapping.children.map(\.target).joined(separator: "/")
            let refused = Set(outcome.errors.map(\.index))
            let carried = batch.records.indices.filter { !refused.contains($0) }.reduce(0) { sum, i in sum + Self.childCount(batch.records[i], mapping) }
            if outcome.created == 0 {
                summary.childSkipped += carried
                if carried > 0 { summary.notes["\(what) of \(mapping.entity) already in cStar: kept as cStar has them, none added (migrate --delta adds new ones and updates what changed)", default: 0] += carried }
            } else {
                summary.notes["\(mapping.entity) already in cStar, in batches with new ones: their \(what) are kept as cStar has them, none added (migrate --delta adds new ones and updates what changed)", default: 0] += existed
            }
        }
        for p in outcome.partial {
            summary.childRejected += p.missing
            try reject(p.index, field: "messages", code: p.code, message: p.message)
        }
        let accounted = outcome.created + outcome.updated + outcome.skipped + outcome.errors.count
        if accounted != batch.records.count {
            logger.warning("the answer does not account for every record", metadata: ["batch": "\(batch.index)", "sent": "\(batch.records.count)", "accounted": "\(accounted)"])
            summary.failed += max(0, batch.records.count - accounted)
        }
    }
}
