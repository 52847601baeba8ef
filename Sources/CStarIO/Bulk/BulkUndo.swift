import Foundation

/// Plans the undo of a finished bulk run as a run of its own (journaled, idempotent, resumable):
/// - an update is undone by setting back exactly the fields it changed, to their before-image values, on the
///   records it changed; records sharing the same prior values share `POST /bulk` calls of at most 100 ids;
/// - a delete is undone by re-creating the records from their before-images through `POST /import` (500 a
///   call, with each ticket's messages inline). Re-created records get new ids; what the server computes
///   (counts, SLA fields) is computed again.
public struct BulkUndoPlanner: Sendable {
    public let journal: BulkJournal

    public init(journal: BulkJournal) {
        self.journal = journal
    }

    public enum Plan: Sendable {
        /// An undo run ready (or partly done) to execute.
        case run(id: String, resumed: Bool, warnings: [String])
        /// The run was already undone by this finished undo run.
        case alreadyUndone(undoRunId: String)
    }

    public func plan(originalRunId: String, target: String) throws -> Plan {
        guard let original = try journal.run(id: originalRunId) else { throw BulkSpecError("no bulk run '\(originalRunId)' in the journal") }
        guard original.kind != .undo else { throw BulkSpecError("run \(original.id) is itself an undo; it cannot be undone") }
        guard original.target == target else {
            throw BulkSpecError("run \(original.id) was made against another cStar team (\(original.target)); undo it against that team")
        }
        let undos = try journal.undoRuns(of: original.id)
        if let done = undos.first(where: { $0.state == .finished }) { return .alreadyUndone(undoRunId: done.id) }
        if let open = undos.last(where: { [.planned, .running].contains($0.state) }) { return .run(id: open.id, resumed: true, warnings: []) }
        for stale in undos where stale.state == .planning { try journal.discardPlanning(stale.id) }
        let unfinished = try journal.uncommittedCallIndexes(original.id)
        guard unfinished.isEmpty, original.state != .planning else {
            throw BulkSpecError("run \(original.id) has not finished (\(unfinished.count) call(s) not done): re-run its command to finish it, then undo it")
        }
        guard let resource = TargetResource(rawValue: original.resource) else { throw BulkSpecError("unknown resource \(original.resource)") }
        let undoId = try journal.startRun(kind: .undo, resource: original.resource, fingerprint: "undo:\(original.id)", target: target,
                                          description: "undo of \(original.id) (\(original.description))", undoOf: original.id)
        var warnings: [String] = []
        // An update whose outcome is unknown is set back too (harmless if it did not happen); a delete is not, since
        // re-creating a record that still exists would duplicate it.
        let changed = original.kind == .update ? "outcome = 'ok' OR error_code = '\(BulkJournal.unconfirmedCode)'" : "outcome = 'ok'"
        if original.kind == .delete {
            for item in try journal.failedItems(original.id) where item.errorCode == BulkJournal.unconfirmedCode {
                warnings.append("\(item.recordId): cStar did not say whether it was deleted; not re-created (check it, and re-create it by hand if it is gone)")
            }
        }
        try journal.forEachItemPage(original.id, where: changed) { page in
            var rows: [(id: String, changes: String?, before: String?)] = []
            for item in page {
                guard let beforeText = item.before, let before = try JSONParser.parse(beforeText).objectValue else {
                    warnings.append("\(item.recordId): no before-image was captured; it cannot be restored")
                    continue
                }
                switch original.kind {
                case .update:
                    let changes = try item.changes.map { try JSONParser.parse($0).objectValue ?? JSONObject() } ?? JSONObject()
                    rows.append((item.recordId, Canonical.json(.object(Self.restore(changes: changes, before: before))), beforeText))
                case .delete:
                    rows.append((item.recordId, JSONSerializer.string(.object(Self.recreation(of: before, resource: resource))), beforeText))
                case .undo:
                    break
                }
            }
            try journal.addItems(undoId, rows)
        }
        if original.kind == .update {
            try BulkPlanner.formUndoCalls(journal: journal, runId: undoId, resource: resource)
        } else {
            try Self.formImportCalls(journal: journal, runId: undoId, resource: resource)
        }
        try journal.setState(undoId, .planned)
        return .run(id: undoId, resumed: false, warnings: warnings)
    }

    /// The fields to send back: each changed field at its prior value (null when the record had none).
    /// For merge-patched objects (`metadata`), the prior object plus null for every key the edit added, because
    /// a PATCH of those merges key by key.
    public static func restore(changes: JSONObject, before: JSONObject) -> JSONObject {
        var out = JSONObject()
        for (field, newValue) in changes.pairs {
            let prior = before[field] ?? .null
            if CStarAPI.mergePatchFields.contains(field), let set = newValue.objectValue {
                var restored = prior.objectValue ?? JSONObject()
                for (k, _) in set.pairs where restored[k] == nil { restored[k] = .null }
                out[field] = .object(restored)
            } else {
                out[field] = prior
            }
        }
        return out
    }

    /// The `/import` record that re-creates a deleted record: its before-image without server-computed fields;
    /// a ticket's thread as inline messages.
    public static func recreation(of before: JSONObject, resource: TargetResource) -> JSONObject {
        var out = JSONObject()
        for (k, v) in before.pairs where !CStarAPI.serverComputedFields.contains(k) {
            if k == "messages" {
                guard resource == .tickets, let thread = v.arrayValue else { continue }
                out[k] = .array(thread.map { m in
                    .object(JSONObject(CStarAPI.importMessageFields.compactMap { f in m[f].map { (f, $0) } }))
                })
            } else {
                out[k] = v
            }
        }
        return out
    }

    /// Calls of at most 500 records to `POST /import` (skip strategy: a record that exists again is left alone),
    /// each kept under the request size limit (tickets carry their whole threads).
    static func formImportCalls(journal: BulkJournal, runId: String, resource: TargetResource) throws {
        var index = 0
        var chunk: [(seq: Int, record: String)] = []
        var bytes = 0
        func flush() throws {
            guard !chunk.isEmpty else { return }
            let text = "{\"resource\":\"\(resource.rawValue)\",\"records\":[" + chunk.map(\.record).joined(separator: ",")
                + "],\"mergeStrategy\":\"\(CStarAPI.MergeStrategy.skip.rawValue)\"}"
            try journal.addCall(runId, index: index, path: CStarAPI.importPath, body: text,
                                key: IdempotencyKey.bulkCall(prefix: "undo", runId: runId, index: index, body: text).value, itemSeqs: chunk.map(\.seq))
            index += 1
            chunk.removeAll()
            bytes = 0
        }
        try journal.forEachItemPage(runId) { page in
            for item in page {
                let record = JSONSerializer.string(try JSONParser.parse(item.changes ?? "{}"))
                if !chunk.isEmpty, chunk.count == CStarAPI.maxImportRecords || bytes + record.utf8.count + 1 > CStarAPI.maxRequestBytes - 4096 { try flush() }
                chunk.append((item.seq, record))
                bytes += record.utf8.count + 1
            }
        }
        try flush()
    }
}

extension BulkPlanner {
    /// Undo of an update: the same grouping as an update (identical restore values share calls).
    static func formUndoCalls(journal: BulkJournal, runId: String, resource: TargetResource) throws {
        try Self.formCalls(journal: journal, runId: runId, resource: resource, action: .update, keyPrefix: "undo")
    }
}
