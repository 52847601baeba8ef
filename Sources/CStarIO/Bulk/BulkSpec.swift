import CStarHash
import Foundation

/// A mistake in what a bulk edit asks for (bad `--set`, unknown resource, unreadable ids file), found before
/// anything is sent.
public struct BulkSpecError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `update` or `delete`, as `POST /bulk` spells them.
public enum BulkAction: String, Sendable {
    case update, delete
}

/// Which records a bulk edit touches.
public enum BulkSelection: Sendable {
    /// List-endpoint filters, ANDed (`status=pending`, `tag=refund`).
    case filters([(String, String)])
    /// Ids from a CSV column, JSON/NDJSON records' field, or plain lines.
    case idsFile(path: String, idColumn: String)
    /// Per-row changes: an id column and field columns.
    case changesFile(path: String, idColumn: String)
}

/// Everything that defines a bulk edit; its fingerprint identifies the run so re-running the command resumes it.
public struct BulkSpec: Sendable {
    public var resource: TargetResource
    public var action: BulkAction
    public var selection: BulkSelection
    /// Fields set on every selected record (`--set`); with a changes file, row values override them.
    public var set: JSONObject

    public init(resource: TargetResource, action: BulkAction, selection: BulkSelection, set: JSONObject = JSONObject()) {
        self.resource = resource
        self.action = action
        self.selection = selection
        self.set = set
    }

    /// Parses `field=value`. The value is JSON when it parses as JSON (numbers, true/false, null, arrays, objects,
    /// and "quoted" strings), otherwise the text as a string: `priority=high`, `tags=["vip","refund"]`,
    /// `notes=null`, `name="123"` (a string of digits).
    public static func parseAssignment(_ text: String) throws -> (String, JSONValue) {
        guard let eq = text.firstIndex(of: "=") else {
            throw BulkSpecError("'\(text)' is not field=value")
        }
        let field = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        guard !field.isEmpty else { throw BulkSpecError("'\(text)' has no field name before '='") }
        return (field, typedValue(String(text[text.index(after: eq)...])))
    }

    /// The typing rule of `--set` and of changes-file cells.
    public static func typedValue(_ raw: String) -> JSONValue {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard let first = trimmed.first, "-0123456789tfn[{\"".contains(first), let v = try? JSONParser.parse(trimmed) else { return .string(raw) }
        return v
    }

    /// Parses `--where field=value` (kept as text: it goes into a query string).
    public static func parseFilter(_ text: String) throws -> (String, String) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw BulkSpecError("--where '\(text)' is not field=value (e.g. status=pending, tag=refund)")
        }
        return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }

    /// What makes two invocations the same run: target, resource, action, selection (file contents, not just
    /// names) and the changes.
    public func fingerprint(target: String) throws -> String {
        var h = SHA256()
        h.update("bulk v1\ntarget \(target)\nresource \(resource.rawValue)\naction \(action.rawValue)\n")
        h.update("set \(Canonical.json(.object(set)))\n")
        switch selection {
        case .filters(let f):
            for (k, v) in f.sorted(by: { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }) { h.update("where \(k)=\(v)\n") }
        case .idsFile(let path, let column), .changesFile(let path, let column):
            guard let data = FileManager.default.contents(atPath: path) else { throw BulkSpecError("cannot read '\(path)'") }
            h.update("file \(column) \(data.count)\n")
            h.update(data)
        }
        return h.hexDigest()
    }

    /// A one-line description for `bulk runs` and summaries.
    public var description: String {
        var parts = ["\(action.rawValue) \(resource.rawValue)"]
        switch selection {
        case .filters(let f): parts.append("--where " + f.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        case .idsFile(let p, _): parts.append("--ids-file \(p)")
        case .changesFile(let p, _): parts.append("--from \(p)")
        }
        if !set.isEmpty { parts.append("--set " + set.pairs.map { "\($0.0)=\(JSONSerializer.string($0.1))" }.joined(separator: " ")) }
        return parts.joined(separator: " ")
    }
}

/// Reads the ids (and per-row changes) of `--ids-file` and `--from`, streaming, through the record readers.
public enum BulkInputReader {
    /// Calls `body` with batches of (id, changes) in file order. Plain-text files (`.txt`, `.ids`, `.lst`, or no
    /// extension) hold one id per line; CSV, JSON and NDJSON records hold the id in `idColumn`.
    /// With `withChanges`, every other non-empty field of a record is a change (CSV cells typed as `--set` values).
    /// Returns warnings (records without an id, rows without changes).
    public static func read(path: String, idColumn: String, withChanges: Bool, batch: Int = 500,
                            _ body: ([(id: String, changes: JSONObject)]) throws -> Void) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { throw BulkSpecError("the file '\(path)' does not exist") }
        let ext = (path as NSString).pathExtension.lowercased()
        var warnings: [String] = []
        var pending: [(id: String, changes: JSONObject)] = []
        func flush() throws {
            if !pending.isEmpty { try body(pending); pending.removeAll(keepingCapacity: true) }
        }
        if !withChanges, ["", "txt", "ids", "lst"].contains(ext) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw BulkSpecError("cannot read '\(path)' as UTF-8 text") }
            for line in text.split(whereSeparator: \.isNewline) {
                let id = line.trimmingCharacters(in: .whitespaces)
                if id.isEmpty || id.hasPrefix("#") { continue }
                pending.append((id, JSONObject()))
                if pending.count >= batch { try flush() }
            }
            try flush()
            return warnings
        }
        guard let format = SourceFormat(fileExtension: ext), format != .csv || ext != "txt" else {
            throw BulkSpecError("cannot tell the format of '\(path)' from its extension: use .csv, .json, .ndjson (or .txt for one id per line)")
        }
        var reader = try SourceFiles.reader(for: path, options: ReaderOptions(format: format))
        while let item = try reader.next() {
            switch item {
            case .problem(let e): warnings.append("\(e)")
            case .warning(let e): warnings.append("\(e)")
            case .record(let r):
                let fields = r.fields  // a CSV row makes its strings here, once
                guard let id = fields[idColumn]?.scalarText?.trimmingCharacters(in: .whitespaces), !id.isEmpty else {
                    warnings.append("\(r.location): no '\(idColumn)' value; skipped")
                    continue
                }
                var changes = JSONObject()
                if withChanges {
                    for (k, v) in fields.pairs where k != idColumn {
                        if format == .csv {
                            guard let s = v.stringValue, !s.isEmpty else { continue }
                            changes[k] = BulkSpec.typedValue(s)
                        } else {
                            changes[k] = v
                        }
                    }
                }
                pending.append((id, changes))
                if pending.count >= batch { try flush() }
            }
        }
        try flush()
        return warnings
    }
}
