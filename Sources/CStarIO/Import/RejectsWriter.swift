import Foundation

/// Writes every rejected record to `rejects.ndjson`: where it came from, why, and the record itself.
public final class RejectsWriter {
    public let path: String
    private var writer: LineWriter?
    public private(set) var count = 0

    public init(path: String) {
        self.path = path
    }

    public func write(_ d: Diagnostic, record: JSONValue?) throws {
        if writer == nil { writer = try LineWriter(path: path, atomic: false) }
        var o = JSONObject()
        o["location"] = d.location.map { .string($0.description) } ?? .null
        o["file"] = d.location.map { .string($0.file) } ?? .null
        o["line"] = d.location.map { .int(Int64($0.line)) } ?? .null
        o["entity"] = .string(d.entity)
        o["field"] = d.field.map { .string($0) } ?? .null
        o["code"] = .string(d.code)
        o["reason"] = .string(d.message)
        o["record"] = record ?? .null
        var bytes = JSONSerializer.bytes(.object(o))
        bytes.append(10)
        try writer!.write(bytes)
        count += 1
    }

    public func close() throws { try writer?.commit() }
}
