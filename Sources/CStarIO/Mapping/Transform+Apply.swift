import Foundation

/// A value a transform cannot handle; the record is rejected with this message.
struct TransformError: Error {
    var code = "transform_failed"
    let message: String
}

extension Mapper {
    static func apply(_ t: Transform, _ value: JSONValue, record: Record, resolver: any MappingResolver) throws -> JSONValue {
        if case .array(let items) = value {
            switch t {
            case .join(let sep): return .string(items.compactMap(\.scalarText).joined(separator: sep))
            case .template, .zendeskIntervals, .append, .appendMapped, .fieldValues, .coalesce, .appendList: break
            default:
                // Element-wise on arrays (tags: [trim, lower]).
                return .array(try items.map { try apply(t, $0, record: record, resolver: resolver) })
            }
        }
        switch t {
        case .template(let text): return .string(render(text, record: record, value: value))
        case .zendeskIntervals: return try weeklySchedule(value)
        case .append(let text):
            let extra = render(text, record: record, value: value).trimmingCharacters(in: .whitespaces)
            let unfilled = text.contains("{{") && extra == render(text, record: Record(fields: JSONObject(), location: record.location), value: .null).trimmingCharacters(in: .whitespaces)
            var list = value.arrayValue ?? (value.isNull ? [] : [value])
            if !extra.isEmpty && !unfilled { list.append(.string(extra)) }
            return .array(list)
        case .appendMapped(let from, let table):
            var list = value.arrayValue ?? (value.isNull ? [] : [value])
            if let code = record.value(at: from)?.scalarText, let text = table[code], !text.isEmpty { list.append(.string(text)) }
            return .array(list)
        case .coalesce(let paths):
            guard isEmpty(value) else { return value }
            for p in paths { if let v = record.value(at: p), !isEmpty(v) { return v } }
            return value
        case .appendList(let from, let item, let header, let note):
            // A single object (one attachment, such as a chat's file message) counts as a list of one.
            let listed = record.value(at: from)
            guard let items = listed?.arrayValue ?? listed?.objectValue.map({ [JSONValue.object($0)] }), !items.isEmpty else { return value }
            let lines = items.map { element -> String in
                let r = Record(fields: element.objectValue ?? JSONObject([("value", element)]), location: record.location)
                return render(item, record: r, value: element).trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
            guard !lines.isEmpty else { return value }
            if let note { resolver.note(note, count: lines.count) }
            let base = value.scalarText ?? ""
            let block = ([header].compactMap { $0 } + lines).joined(separator: "\n")
            return .string(base.isEmpty ? block : base + "\n\n" + block)
        case .count(let substring, let note):
            if let s = value.stringValue {
                let n = occurrences(of: substring, in: s)
                if n > 0 { resolver.note(note, count: n) }
            }
            return value
        case .fieldValues(let spec):
            return try fieldValues(spec, value, record: record, resolver: resolver)
        default: break
        }
        if value.isNull { return value }
        switch t {
        case .trim: return value.stringValue.map { .string($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? value
        case .lower: return value.stringValue.map { .string($0.lowercased()) } ?? value
        case .upper: return value.stringValue.map { .string($0.uppercased()) } ?? value
        case .string:
            guard let s = value.scalarText else { throw TransformError(message: "cannot turn a \(value.typeName) into a string") }
            return .string(s)
        case .number:
            if case .int = value { return value }
            if case .double = value { return value }
            let s = value.scalarText?.trimmingCharacters(in: .whitespaces) ?? ""
            if let i = Int64(s) { return .int(i) }
            if let d = Double(s), d.isFinite { return .double(d) }
            throw TransformError(message: "'\(value.scalarText ?? value.typeName)' is not a number")
        case .boolean, .not:
            var b: Bool
            if case .bool(let v) = value { b = v } else {
                switch value.scalarText?.trimmingCharacters(in: .whitespaces).lowercased() {
                case "true", "yes", "y", "1", "on": b = true
                case "false", "no", "n", "0", "off", "": b = false
                default: throw TransformError(message: "'\(value.scalarText ?? value.typeName)' is not a yes/no value")
                }
            }
            if case .not = t { b.toggle() }
            return .bool(b)
        case .nullIfEmpty:
            if let s = value.stringValue, s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .null }
            return value
        case .truncate(let n):
            guard let s = value.stringValue, s.count > n else { return value }
            resolver.note("values cut to \(n) characters to fit (truncate)", count: 1)
            return .string(String(s.prefix(n)))
        case .split(let sep):
            guard let s = value.stringValue else { return value }
            let parts = sep == " " ? s.split(whereSeparator: \.isWhitespace).map(String.init) : s.components(separatedBy: sep)
            return .array(parts.map { .string($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 != .string("") })
        case .join: return value
        case .map(let table, let fallback, let reject):
            guard let key = value.scalarText else { throw TransformError(message: "cannot look up a \(value.typeName) in a value map") }
            if let mapped = table[key] { return mapped }
            if reject {
                throw TransformError(code: "unmapped_value", message: "value '\(key)' is not in the mapping's value map (known: \(table.keys.sorted().joined(separator: ", ")))")
            }
            return fallback ?? value
        case .date(let format):
            guard let iso = DateParsing.normalise(value, format: format) else {
                throw TransformError(code: "invalid_date", message: "'\(value.scalarText ?? value.typeName)' is not a \(format == .auto ? "recognised" : format.rawValue) date")
            }
            return .string(iso)
        case .htmlToText:
            guard let s = value.stringValue else { return value }
            return .string(HTMLConverter.plainText(s))
        case .htmlToMarkdown:
            guard let s = value.stringValue else { return value }
            return .string(HTMLConverter.markdown(s))
        case .lookup(let index, let field, let onMissing):
            guard let key = value.scalarText else { return try missing(onMissing, value, "cannot look up a \(value.typeName)") }
            guard let source = try resolver.lookup(index: index, key: key) else {
                return try missing(onMissing, value, "no record with key '\(key)' in index '\(index)'")
            }
            let found = Record(fields: source, location: record.location).value(at: field) ?? .null
            if isEmpty(found) { return try missing(onMissing, value, "the '\(index)' record '\(key)' has no '\(field)'") }
            return found
        case .ref(let entity, let onMissing):
            guard let key = value.scalarText, let found = try resolver.ref(entity: entity, key: key) else {
                return try missing(onMissing, value, "no \(entity) record was mapped from source key '\(value.scalarText ?? "")' (dangling reference)")
            }
            return found
        case .member(let onMissing):
            guard let email = value.stringValue, let found = try resolver.member(email: email) else {
                return try missing(onMissing, value, "no cStar member has the email '\(value.scalarText ?? "")'")
            }
            return found
        case .slug:
            guard let raw = value.scalarText else { return value }
            // Letters of any script become ASCII first (Catégorie → categorie, Номер → nomer), so no key is lost.
            let s = raw.allSatisfy(\.isASCII) ? raw : (raw.applyingTransform(StringTransform("Any-Latin; Latin-ASCII"), reverse: false) ?? raw)
            var out = ""
            for ch in s.lowercased().unicodeScalars {
                if ch.isASCII, CharacterSet.alphanumerics.contains(ch) { out.unicodeScalars.append(ch) }
                else if !out.isEmpty, !out.hasSuffix("_") { out += "_" }
            }
            while out.hasSuffix("_") { out.removeLast() }
            return .string(out)
        case .template, .zendeskIntervals, .append, .appendMapped, .coalesce, .appendList, .count, .fieldValues:
            return value
        }
    }

    /// Custom field values through their definitions: `[{id, value}]` (Zendesk tickets) or `{key: value}` (user and
    /// organization fields) → `{cStarKey: value}`, the key from the definition, the value made the definition's type
    /// (a dropdown's stored tag → its option's name, multi-select → names, checkbox → boolean, numbers, dates).
    /// A value without a definition is left out and counted in the summary, never dropped silently.
    static func fieldValues(_ spec: FieldValuesSpec, _ value: JSONValue, record: Record, resolver: any MappingResolver) throws -> JSONValue {
        var pairs: [(id: String, value: JSONValue)] = []
        switch value {
        case .array(let items):
            for item in items {
                guard let id = item[spec.idField]?.scalarText else { continue }
                pairs.append((id, item[spec.valueField] ?? .null))
            }
        case .object(let o):
            for (k, v) in zip(o.keys, o.values) { pairs.append((k, v)) }
        case .null: return .null
        default: throw TransformError(message: "custom field values must be a list of {\(spec.idField), \(spec.valueField)} or an object, not a \(value.typeName)")
        }
        var out = JSONObject()
        for (id, raw) in pairs where !isEmpty(raw) && raw != .array([]) {
            guard let index = spec.index else { out[id] = raw; continue }
            guard let definition = try resolver.lookup(index: index, key: id) else {
                if spec.keepUndefined { out[id] = raw; continue }
                resolver.note("custom field values without a definition in '\(index)' (not migrated)", count: 1)
                continue
            }
            let def = Record(fields: definition, location: record.location)
            guard let keyText = spec.key.lazy.compactMap({ def.value(at: $0)?.scalarText }).first(where: { !$0.isEmpty }),
                  case .string(let key) = try apply(.slug, .string(keyText), record: def, resolver: resolver), !key.isEmpty else {
                resolver.note("custom field values whose definition gives no usable key from \(spec.key.joined(separator: "/")) (not migrated)", count: 1)
                continue
            }
            // Two definitions whose titles make the same key: the first value stays, the other is counted, not lost silently.
            if out[key] != nil {
                resolver.note("custom field values whose key '\(key)' another field of the record also makes (not migrated; rename one of the fields)", count: 1)
                continue
            }
            let type = spec.type.flatMap { def.value(at: $0)?.scalarText } ?? ""
            var labels: [String: String] = [:]
            if let o = spec.options, let options = def.value(at: o)?.arrayValue {
                for option in options {
                    if let v = option["value"]?.scalarText, let n = option["name"]?.scalarText { labels[v] = n }
                }
            }
            func label(_ v: JSONValue) -> JSONValue {
                guard let t = v.scalarText else { return v }
                if let n = labels[t] { return .string(n) }
                if !labels.isEmpty { resolver.note("custom field values not among their field's options (kept as they are)", count: 1) }
                return v
            }
            switch type {
            case "tagger", "dropdown":
                out[key] = label(raw)
            case "multiselect":
                let items = raw.arrayValue ?? (raw.stringValue.map { $0.split(separator: " ").map { .string(String($0)) } } ?? [raw])
                out[key] = .array(items.map(label))
            case "checkbox":
                out[key] = try apply(.boolean, raw, record: record, resolver: resolver)
            case "integer", "decimal":
                out[key] = try apply(.number, raw, record: record, resolver: resolver)
            case "date":
                out[key] = raw.stringValue.map { s in .string(String(s.prefix(10))) } ?? raw
            default:
                out[key] = raw
            }
        }
        return .object(out)
    }

    /// How many times `needle` occurs in `s`, not overlapping, as Foundation's `range(of:)` finds them (the `count`
    /// transform runs on every message body). On bytes when the two cannot differ: an ASCII needle (no line break) in text
    /// whose Characters are its scalars (no grapheme-joining scalar, see `HTMLBytes.isSafeScalar`); else through Foundation.
    static func occurrences(of needle: String, in s: String) -> Int {
        // A line break in the needle could match half of a "\r\n" Character; those go through Foundation.
        if !needle.isEmpty, needle.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0A && $0 != 0x0D }) {
            let counted: Int?? = s.utf8.withContiguousStorageIfAvailable { h -> Int? in
                guard let base = h.baseAddress, HTMLBytes.allScalarsSafe(base, h.count) else { return h.isEmpty ? 0 : nil }
                let pattern = Array(needle.utf8)
                let m = pattern.count
                var n = 0, i = 0
                while i + m <= h.count {
                    if h[i] == pattern[0] {
                        var k = 1
                        while k < m && h[i + k] == pattern[k] { k += 1 }
                        if k == m { n += 1; i += m; continue }
                    }
                    i += 1
                }
                return n
            }
            if let counted = counted ?? nil { return counted }
        }
        var n = 0
        var rest = s[...]
        while let r = rest.range(of: needle) { n += 1; rest = rest[r.upperBound...] }
        return n
    }

    static func missing(_ policy: MissingPolicy, _ value: JSONValue, _ message: String) throws -> JSONValue {
        switch policy {
        case .null: return .null
        case .keep: return value
        case .reject: throw TransformError(code: "unresolved_reference", message: message)
        }
    }

    static let weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    /// Zendesk intervals `[{start_time, end_time}]` in minutes from Sunday 00:00 → `{monday: {enabled, start, end}, ...}`.
    /// A day takes its earliest start and latest end; days without an interval are disabled.
    static func weeklySchedule(_ value: JSONValue) throws -> JSONValue {
        guard let intervals = value.arrayValue else { throw TransformError(message: "schedule intervals must be a list") }
        var spans: [Int: (Int, Int)] = [:]
        for item in intervals {
            guard let s = item["start_time"]?.intValue, let e = item["end_time"]?.intValue, s >= 0, e > s, e <= 7 * 1440 else {
                throw TransformError(message: "each interval needs start_time < end_time, in minutes within the week")
            }
            let day = Int(s) / 1440
            let start = Int(s) % 1440, end = min(Int(e) - day * 1440, 1440)
            let current = spans[day]
            spans[day] = (min(current?.0 ?? start, start), max(current?.1 ?? end, end))
        }
        func hhmm(_ m: Int) -> String {
            let m = min(m, 1439)
            return String(format: "%02d:%02d", m / 60, m % 60)
        }
        let order = [1, 2, 3, 4, 5, 6, 0]
        return .object(JSONObject(order.map { d in
            let name = weekdays[d]
            guard let (s, e) = spans[d] else {
                return (name, .object(JSONObject([("enabled", .bool(false)), ("start", .string("09:00")), ("end", .string("17:00"))])))
            }
            return (name, .object(JSONObject([("enabled", .bool(true)), ("start", .string(hhmm(s))), ("end", .string(hhmm(e)))])))
        }))
    }

    /// One transform on one value, as the mapper applies it (exposed for tests and `plan` samples).
    public static func applyForTesting(_ t: Transform, _ value: JSONValue, record: Record? = nil,
                                       resolver: any MappingResolver = NoResolver()) throws -> JSONValue {
        try apply(t, value, record: record ?? Record(fields: JSONObject(), location: SourceLocation(file: "", line: 0, index: 0)), resolver: resolver)
    }
}
