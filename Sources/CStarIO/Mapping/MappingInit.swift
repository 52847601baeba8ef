import Foundation

/// A starting mapping for an export nobody has written one for (like Embulk's `guess`): reads the first records
/// of the files, lists every source field, fills in the rules it can guess for the target (email, name, subject,
/// status, requester, dates, tags) and leaves every other field as a commented-out `metadata.` line with a sample
/// value. The result validates as it is.
public enum MappingInit {
    public struct Field: Sendable {
        public var name: String
        public var filled: Int
        public var sample: JSONValue?
        /// Distinct scalar values seen (up to 12), for enum maps.
        public var values: [String] = []
    }

    public struct Survey: Sendable {
        public var files: [String]
        public var format: SourceFormat
        public var recordsKey: String?
        public var records: Int
        public var fields: [Field]
        /// Each file is one record (a single-object API response).
        public var singleObjects = false
    }

    public static let targets: [TargetResource] = [.customers, .tickets, .articles, .customerGroups]

    /// The first `limit` records of the files: their fields in order of first appearance.
    public static func survey(_ paths: [String], limit: Int = 500) throws -> Survey {
        guard let first = paths.first else { throw ReaderError(file: "", line: 0, message: "name at least one export file") }
        let format = SourceFormat(fileExtension: (first as NSString).pathExtension) ?? .json
        let layout = format == .json ? recordsLayout(first) : .reader(nil)
        var reader: any RecordReader
        switch layout {
        case .reader(let pointer): reader = MultiFileReader(paths: paths, options: ReaderOptions(records: pointer))
        case .single: reader = SingleDocumentReader(paths: paths)
        }
        var order: [String] = []
        var fields: [String: Field] = [:]
        var recordsKey: String?
        var n = 0
        while n < limit, let item = try reader.next() {
            guard case .record(let r) = item else { continue }
            n += 1
            if recordsKey == nil, let p = r.location.pointer, p.hasPrefix("/") {
                // "/tickets/3" → tickets; "/_embedded/conversations/0" → /_embedded/conversations
                var parts = p.dropFirst().split(separator: "/").map(String.init)
                if parts.count > 1, Int(parts.last!) != nil { parts.removeLast() }
                if !parts.isEmpty, !parts.allSatisfy({ Int($0) != nil }) {
                    recordsKey = parts.count == 1 ? parts[0] : "/" + parts.joined(separator: "/")
                }
            }
            var names = r.csvColumns ?? r.fields.keys
            // The plain values nested one level in an object (HubSpot's `properties`, Crisp's `meta`) are listed as paths.
            if r.csvColumns == nil {
                for (k, v) in zip(r.fields.keys, r.fields.values) {
                    guard case .object(let inner) = v else { continue }
                    let plain = zip(inner.keys, inner.values).filter { $0.1.objectValue == nil && $0.1.arrayValue == nil }.map(\.0)
                    guard plain.count >= 3 else { continue }
                    names += plain.map { "\(k).\($0)" }
                }
            }
            for name in names {
                if fields[name] == nil { fields[name] = Field(name: name, filled: 0); order.append(name) }
                guard let v = r.value(at: name), !Mapper.isEmpty(v), v != .array([]) else { continue }
                fields[name]!.filled += 1
                if fields[name]!.sample == nil { fields[name]!.sample = v }
                if let t = v.scalarText, fields[name]!.values.count < 12, !fields[name]!.values.contains(t) { fields[name]!.values.append(t) }
            }
        }
        var survey = Survey(files: paths, format: format, recordsKey: recordsKey, records: n, fields: order.map { fields[$0]! })
        if case .single = layout { survey.singleObjects = true; survey.recordsKey = nil }
        return survey
    }

    /// Where the records of a JSON document are, decided from the document itself (read whole when it is not too
    /// large): a single record (it has an `id`), or the first array of objects within a few levels (`tickets`,
    /// `_embedded/conversations`, `data`). nil leaves it to the reader (arrays, NDJSON, large files).
    enum Layout { case reader(String?), single }

    static func recordsLayout(_ path: String) -> Layout {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size <= 64 << 20,
              let data = FileManager.default.contents(atPath: path), let doc = try? JSONParser.parse(Array(data)),
              case .object(let o) = doc else { return .reader(nil) }
        if o["id"] != nil { return .single }
        return .reader(recordsPointer(o))
    }

    static func recordsPointer(_ o: JSONObject) -> String? {
        var queue: [(JSONObject, String)] = [(o, "")]
        var depth = 0
        while !queue.isEmpty, depth < 3 {
            var next: [(JSONObject, String)] = []
            for (obj, prefix) in queue {
                for (k, v) in zip(obj.keys, obj.values) {
                    let escaped = k.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
                    if let a = v.arrayValue, a.first?.objectValue != nil { return prefix + "/" + escaped }
                    if let inner = v.objectValue { next.append((inner, prefix + "/" + escaped)) }
                }
            }
            queue = next
            depth += 1
        }
        return nil
    }

    /// Each file is one record (a single-object API response such as Freshdesk's `GET /api/v2/tickets/{id}`).
    struct SingleDocumentReader: RecordReader {
        let paths: [String]
        var position = 0
        mutating func next() throws -> ReadItem? {
            while position < paths.count {
                let path = paths[position]
                position += 1
                guard let data = FileManager.default.contents(atPath: path), case .object(let o) = try JSONParser.parse(Array(data), name: path) else { continue }
                return .record(Record(fields: o, location: SourceLocation(file: path, line: 1, index: 1)))
            }
            return nil
        }
    }

    /// The YAML of a starting mapping for `target`.
    public static func yaml(_ s: Survey, target: TargetResource, entity: String? = nil) -> String {
        let name = entity ?? target.rawValue
        var used = Set<String>()
        func pick(_ patterns: [String], _ accept: (Field) -> Bool = { _ in true }) -> Field? {
            for p in patterns {
                if let f = s.fields.first(where: { !used.contains($0.name) && $0.filled > 0 && matches($0.name, p) && accept($0) }) {
                    used.insert(f.name)
                    return f
                }
            }
            return nil
        }
        var lines: [String] = []
        func q(_ text: String) -> String {
            text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) && !text.isEmpty ? text : "\"\(text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
        }
        let key = pick(["^id$", "^_?id$", "^number$", "id$", "key$"])
        let fileNames = s.files.map { ($0 as NSString).lastPathComponent }
        lines += [
            "# A starting mapping written by `cstar-io mappings init` from \(s.records) record(s) of \(fileNames.joined(separator: ", ")).",
            "# Rules it could guess are filled in; every other source field is listed, commented out, with a sample value.",
            "# Check it with: cstar-io plan EXPORT --mapping THIS-FILE (the coverage report lists what stays behind).",
            "version: 1",
            "entity: \(name)",
            "target: \(target.rawValue)",
            "source:",
            "  files: [\(fileNames.map(q).joined(separator: ", "))]",
        ]
        if let k = s.recordsKey { lines.append("  records: \(q(k))") } else if s.singleObjects {
            // Each file is one record: a records key the object does not have makes the reader take it whole.
            lines.append("  records: \(q(target.rawValue))")
        }
        lines.append("key: \(q(key?.name ?? s.fields.first?.name ?? "id"))")
        lines.append("fields:")
        // A date field is one whose sample reads as a date (createdBy, an object, is not createdAt).
        func isDate(_ f: Field) -> Bool { f.sample.map { DateParsing.normalise($0, format: .auto) != nil } ?? false }
        func date(_ target: String, _ patterns: [String]) {
            if let f = pick(patterns, isDate) { lines.append("  \(target): { from: \(q(f.name)), transform: [date] }") }
        }
        switch target {
        case .customers:
            let email = pick(["^e-?mail$", "^email_?address$", "e-?mail", "mail"])
            lines.append(email.map { "  email: { from: \(q($0.name)), transform: [trim, lower], required: true }" }
                         ?? "  email: { from: email, required: true }   # no email-like field found: name the source field")
            if let n = pick(["^name$", "^full_?name$", "^display_?name$", "name"]) {
                lines.append("  name: { from: [\(q(n.name))\(email.map { ", \(q($0.name))" } ?? "")], transform: [trim], required: true }")
            } else if let e = email {
                lines.append("  name: { from: \(q(e.name)), required: true }")
            }
            if let t = pick(["^tags?$", "_tags?$"]) { lines.append("  tags: \(q(t.name))") }
            date("createdAt", ["created", "^since", "signed_up"])
            date("updatedAt", ["updated", "modified"])
        case .tickets:
            let title = pick(["^subject$", "^title$", "subject", "title", "summary"])
            lines.append("  title:")
            lines.append("    from: \(title.map { q($0.name) } ?? "subject")")
            lines.append("    transform: [trim, { truncate: 250 }]")
            lines.append("    default: \"(no subject)\"")
            // A status in words (Crisp's `state`) before a numeric code beside it (its `status`); codes when that is all.
            let statusNames = ["^status$", "^state$", "status", "pipeline_stage", "^stage$", "state"]
            let worded = { (f: Field) -> Bool in !f.values.isEmpty && !f.values.allSatisfy { Double($0) != nil } }
            if let st = pick(statusNames, worded) ?? pick(statusNames) {
                lines.append("  status:")
                lines.append("    from: \(q(st.name))")
                lines.append("    transform:")
                let entries = st.values.map { "\(q($0)): \(guessStatus($0))" }
                lines.append("      - map: { \(entries.joined(separator: ", ")) }   # values seen; cStar: new, open, pending, resolved, closed")
                lines.append("        fallback: open")
            }
            if let pr = pick(["^priority$", "priority", "urgency"]) {
                lines.append("  priority:")
                lines.append("    from: \(q(pr.name))")
                lines.append("    transform:")
                let entries = pr.values.map { "\(q($0)): \(guessPriority($0))" }
                lines.append("      - map: { \(entries.joined(separator: ", ")) }   # values seen; cStar: low, normal, high, urgent")
                lines.append("        fallback: normal")
            }
            // A person: a name or email as text, or an object holding one — not a date or a count about them.
            let person = { (f: Field) -> Bool in
                if let o = f.sample?.objectValue { return ["name", "email", "first", "firstName"].contains { o[$0] != nil } }
                return f.sample?.stringValue != nil && !isDate(f)
            }
            if let requester = pick(["^requester$", "requester_?name", "^primary_?customer$", "^customer$", "customer_?name", "owner_?name", "^nickname$", "^from$",
                                     "^author$", "contact", "requester", "customer", "email"], person) {
                let path = requester.sample?.objectValue.flatMap { o in ["name", "email", "first", "firstName"].first { o[$0] != nil } }
                    .map { "\(requester.name).\($0)" } ?? requester.name
                lines.append("  customerName: { from: \(q(path)), default: \"Unknown requester\" }")
            } else {
                lines.append("  customerName: { const: \"Unknown requester\" }   # no requester-like field found")
            }
            if let t = pick(["^tags?$", "_tags?$", "^labels?$"]) { lines.append("  tags: \(q(t.name))") }
            date("createdAt", ["^created", "created", "opened"])
            date("updatedAt", ["updated", "modified"])
        case .articles:
            let title = pick(["^title$", "^name$", "title", "subject"])
            lines.append("  title: { from: \(title.map { q($0.name) } ?? "title"), required: true }")
            if let b = pick(["^body$", "^content$", "html", "body", "content", "text"]) { lines.append("  content: { from: \(q(b.name)), transform: [htmlToMarkdown] }") }
            date("createdAt", ["created"])
            date("updatedAt", ["updated", "modified"])
        default:
            let n = pick(["^name$", "name", "title"])
            lines.append("  name: { from: \(n.map { q($0.name) } ?? "name"), required: true }")
            if let k = key { lines.append("  externalId: { from: \(q(k.name)), transform: [string] }") }
        }
        if let k = key, target != .customerGroups { lines.append("  metadata.sourceId: { from: \(q(k.name)), transform: [string] }") }
        let rest = s.fields.filter { !used.contains($0.name) && $0.name != key?.name }
        if !rest.isEmpty {
            lines.append("  # The other source fields (records with a value, of \(s.records)); uncomment what should travel:")
            for f in rest {
                let sample = f.sample.map { JSONSerializer.string($0) }.map { $0.count > 60 ? String($0.prefix(57)) + "..." : $0 } ?? "(always empty)"
                lines.append("  # metadata.\(slug(f.name)): \(q(f.name))   # \(f.filled) · e.g. \(sample.replacingOccurrences(of: "\n", with: " "))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Matched on the last part of a path (`properties.subject` is a subject).
    static func matches(_ name: String, _ pattern: String) -> Bool {
        let last = name.split(separator: ".").last.map(String.init) ?? name
        let n = last.lowercased().replacingOccurrences(of: " ", with: "_")
        return n.range(of: pattern, options: .regularExpression) != nil
    }

    /// The same snake_case keys the `slug` transform makes.
    static func slug(_ s: String) -> String {
        let key = (try? Mapper.apply(.slug, .string(s), record: Record(fields: JSONObject(), location: SourceLocation(file: "", line: 0, index: 0)),
                                     resolver: NoResolver()))?.stringValue ?? ""
        return key.isEmpty ? "field" : key
    }

    static func guessStatus(_ v: String) -> String {
        switch v.lowercased() {
        case "new", "unassigned": return "new"
        case "pending", "waiting", "on-hold", "hold", "on_hold", "snoozed", "3": return "pending"
        case "solved", "resolved", "done", "4": return "resolved"
        case "closed", "archived", "spam", "deleted", "5": return "closed"
        default: return "open"
        }
    }

    static func guessPriority(_ v: String) -> String {
        switch v.lowercased() {
        case "low", "1", "minor": return "low"
        case "high", "3", "major": return "high"
        case "urgent", "critical", "4", "blocker": return "urgent"
        default: return "normal"
        }
    }
}
