import CStarHash
import Foundation
import Logging
import Synchronization

/// The committed outcome of a batch as the checkpoint store keeps it, so a resumed run answers a batch it already
/// delivered without sending it again.
extension CStarSink {
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
            ("childrenExisting", o.childrenExisting.map { .int(Int64($0)) } ?? .null), ("childrenAppended", .int(Int64(o.childrenAppended))), ("patched", .int(Int64(o.patched))),
            ("unchanged", .int(Int64(o.unchanged))),
            ("notes", .object(JSONObject(o.notes.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))),
        ])))
    }

    /// Reads what `encode` wrote; outcomes committed by earlier versions have no `partial`, `notSent` or delta fields.
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
        o.childrenExisting = v["childrenExisting"]?.intValue.map { Int($0) }
        o.childrenAppended = Int(v["childrenAppended"]?.intValue ?? 0)
        o.unchanged = Int(v["unchanged"]?.intValue ?? 0)
        o.patched = Int(v["patched"]?.intValue ?? 0)
        if let notes = v["notes"]?.objectValue { for (k, n) in notes.pairs { o.notes[k] = Int(n.intValue ?? 0) } }
        return o
    }
}
