import Foundation

/// The lines and objects that show a bulk run's items before and after (previews, confirmations, --json samples).
public enum BulkText {
    static func label(_ record: JSONObject?) -> String {
        guard let r = record else { return "" }
        for f in ["title", "name", "email"] { if let s = r[f]?.stringValue { return " \"\(s)\"" } }
        return ""
    }

    public static func sampleLine(_ item: BulkJournal.Item, action: BulkAction) -> String {
        let before = item.before.flatMap { try? JSONParser.parse($0).objectValue }
        if action == .delete { return "\(item.recordId)\(label(before)) → deleted" + (before == nil ? " (not found now)" : "") }
        let changes = item.changes.flatMap { try? JSONParser.parse($0).objectValue } ?? JSONObject()
        let parts = changes.pairs.map { k, v in
            "\(k): \(before.map { JSONSerializer.string($0[k] ?? .null) } ?? "?") → \(JSONSerializer.string(v))"
        }
        return "\(item.recordId)\(label(before)): " + parts.joined(separator: "; ") + (before == nil ? " (record not found now)" : "")
    }

    public static func sample(_ item: BulkJournal.Item, action: BulkAction) -> JSONValue {
        let before = item.before.flatMap { try? JSONParser.parse($0).objectValue }
        var o = JSONObject([("id", .string(item.recordId))])
        if action == .delete {
            o["before"] = before.map { .object($0) } ?? .null
            o["after"] = .null
        } else {
            let changes = item.changes.flatMap { try? JSONParser.parse($0).objectValue } ?? JSONObject()
            o["before"] = .object(JSONObject(changes.pairs.map { k, _ in (k, before?[k] ?? .null) }))
            o["after"] = .object(changes)
            o["found"] = .bool(before != nil)
        }
        return .object(o)
    }

    public static func undoSampleLine(_ item: BulkJournal.Item, delete: Bool) -> String {
        let before = item.before.flatMap { try? JSONParser.parse($0).objectValue }
        if delete { return "\(item.recordId)\(label(before)) → re-created (new id)" }
        let restore = item.changes.flatMap { try? JSONParser.parse($0).objectValue } ?? JSONObject()
        return "\(item.recordId)\(label(before)): " + restore.pairs.map { "\($0.0) → \(JSONSerializer.string($0.1))" }.joined(separator: "; ")
    }

    public static func undoSample(_ item: BulkJournal.Item) -> JSONValue {
        .object(JSONObject([("id", .string(item.recordId)), ("restore", item.changes.flatMap { try? JSONParser.parse($0) } ?? .null)]))
    }

    /// "Bulk run ID: update tickets: 98 of 100 done in 1 call(s), 2 failed (see FILE)."
    public static func summaryLine(_ summary: BulkSummary, runId: String, failuresPath: String) -> String {
        var line = "Bulk run \(runId): \(summary.kind) \(summary.resource): \(summary.succeeded) of \(summary.items) done in \(summary.calls) call(s)"
        if summary.failed > 0 { line += ", \(summary.failed) failed (see \(failuresPath))" }
        return line + "."
    }
}
