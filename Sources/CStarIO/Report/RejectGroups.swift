import Foundation

/// The rejects of a run grouped by entity and reason, with the first examples of each and their file:line: what a
/// report shows of "what was rejected and why". Reads the rejects file line by line (memory stays flat).
public enum RejectGroups {
    public static func summarize(_ path: String, examples: Int = 3, maxGroups: Int = 50) -> JSONValue {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .array([]) }
        defer { try? handle.close() }
        var order: [String] = []
        var groups: [String: (entity: String, code: String, reason: String, count: Int, examples: [JSONValue])] = [:]
        var pending: [UInt8] = []
        func take(_ line: ArraySlice<UInt8>) {
            guard !line.isEmpty, let o = (try? JSONParser.parse([UInt8](line)))?.objectValue else { return }
            let entity = o["entity"]?.stringValue ?? "?", code = o["code"]?.stringValue ?? "rejected"
            let reason = o["reason"]?.stringValue ?? ""
            let key = entity + "\u{0}" + code
            if groups[key] == nil {
                guard order.count < maxGroups else { return }
                order.append(key)
                groups[key] = (entity, code, reason, 0, [])
            }
            groups[key]!.count += 1
            if groups[key]!.examples.count < examples {
                groups[key]!.examples.append(.object(JSONObject([
                    ("location", o["location"] ?? .null), ("field", o["field"] ?? .null), ("reason", .string(APIKey.redact(reason))),
                ])))
            }
        }
        // Only the bytes a chunk added are searched for a line end: a rejected record of 70 MB (one huge message)
        // is one line, and searching the whole pending line again for every 64 KB chunk took hours.
        while let chunk = try? handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            var searchFrom = pending.count
            pending.append(contentsOf: chunk)
            var lineStart = 0
            while let nl = pending[searchFrom...].firstIndex(of: 10) {
                take(pending[lineStart..<nl])
                lineStart = nl + 1
                searchFrom = lineStart
            }
            if lineStart > 0 { pending.removeSubrange(0..<lineStart) }
        }
        take(pending[...])
        return .array(order.compactMap { groups[$0] }.sorted { $0.count > $1.count }.map { g in
            .object(JSONObject([("entity", .string(g.entity)), ("code", .string(g.code)), ("reason", .string(APIKey.redact(g.reason))),
                                ("count", .int(Int64(g.count))), ("examples", .array(g.examples))]))
        })
    }
}
