import Foundation

/// The rejects of a run grouped by entity and reason, with the first examples of each and their file:line: what a
/// report shows of "what was rejected and why". Reads the rejects file line by line (memory stays flat).
public enum RejectGroups {
    public static func summarize(_ path: String, examples: Int = 3, maxGroups: Int = 50) -> JSONValue {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .array([]) }
        defer { try? handle.close() }
        var order: [String] = []
        var groups: [String: (entity: String, code: String, reason: String, count: Int, examples: [JSONValue])] = [:]
        var pending = Data()
        func take(_ line: Data) {
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
        while let chunk = try? handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            pending.append(chunk)
            while let nl = pending.firstIndex(of: 10) {
                take(pending[pending.startIndex..<nl])
                pending = pending[(nl + 1)...]
            }
        }
        take(pending)
        return .array(order.compactMap { groups[$0] }.sorted { $0.count > $1.count }.map { g in
            .object(JSONObject([("entity", .string(g.entity)), ("code", .string(g.code)), ("reason", .string(APIKey.redact(g.reason))),
                                ("count", .int(Int64(g.count))), ("examples", .array(g.examples))]))
        })
    }
}
