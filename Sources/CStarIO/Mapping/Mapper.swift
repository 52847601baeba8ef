/// What became of one source record.
public enum MapOutcome: Sendable {
    case mapped(MappedRecord, children: ChildTally)
    /// Filtered out on purpose (a `where` condition, or a duplicate); counts as skipped, with the reason.
    /// A duplicate names the source key of the record it duplicates, so references to it still resolve.
    case skipped(Diagnostic, duplicateOf: String?)
    case rejected(Diagnostic)
}

/// What mapping needs from outside a record: indexed source files, other entities' keys, cStar members,
/// and child records kept in a separate file.
public protocol MappingResolver {
    /// The source record with `key` in the declared index.
    func lookup(index: String, key: String) throws -> JSONObject?
    /// The value that stands for the record `entity` mapped from `key` (a cStar id, or a plan placeholder).
    func ref(entity: String, key: String) throws -> JSONValue?
    /// The value that stands for the cStar member with this email.
    func member(email: String) throws -> JSONValue?
    /// The child records of a parent, in file order.
    func children(of entity: String, child: String, parentKey: String) throws -> [Record]
    /// Counts something the summary must tell (attachments kept as links, values not migrated). A note of values
    /// left behind says "(not migrated": it makes the run end with problems (`MigrationSummary.isLoss`).
    func note(_ text: String, count: Int)
    /// Where the version of the record `key` of `entity` to keep is (for `latestBy`); nil when not indexed.
    func latest(entity: String, key: String) throws -> SourceLocation?
}

extension MappingResolver {
    public func note(_ text: String, count: Int) {}
    public func latest(entity: String, key: String) throws -> SourceLocation? { nil }
}

/// A resolver for mappings without lookups or children.
public struct NoResolver: MappingResolver {
    public init() {}
    public func lookup(index: String, key: String) throws -> JSONObject? { nil }
    public func ref(entity: String, key: String) throws -> JSONValue? { nil }
    public func member(email: String) throws -> JSONValue? { nil }
    public func children(of entity: String, child: String, parentKey: String) throws -> [Record] { [] }
}

/// Remembers the first record of each dedupe value (in memory, or on disk for a run: `RunIndex`).
public protocol DedupeIndex: AnyObject {
    /// The first record seen with `value` (its location and source key); nil, after recording this record as the
    /// first, when the value is new.
    func firstSeen(entity: String, value: String, location: SourceLocation, key: String) throws -> (SourceLocation, String)?
}

/// A dedupe index in memory, for short inputs (tests, one file).
public final class MemoryDedupe: DedupeIndex {
    private var seen: [String: (SourceLocation, String)] = [:]
    public init() {}
    public func firstSeen(entity: String, value: String, location: SourceLocation, key: String) throws -> (SourceLocation, String)? {
        if let first = seen[entity + "\u{0}" + value] { return first }
        seen[entity + "\u{0}" + value] = (location, key)
        return nil
    }
}

/// Applies one entity mapping to source records, deduplicating through `dedupe`.
public struct Mapper {
    public let mapping: EntityMapping
    let dedupe: any DedupeIndex
    /// Sees every child record before it is mapped (for the coverage report).
    var childObserver: ((_ target: String, _ record: Record) -> Void)?

    public init(mapping: EntityMapping, dedupe: any DedupeIndex = MemoryDedupe()) {
        self.mapping = mapping
        self.dedupe = dedupe
    }

    /// Throws only when the run's own storage fails (the dedupe index): that stops the run, resumable, rather than
    /// turning every record into a reject.
    public mutating func map(_ record: Record, resolver: any MappingResolver = NoResolver()) throws -> MapOutcome {
        let entity = mapping.entity
        for c in mapping.conditions where !(try Self.holds(c, record, resolver: resolver)) {
            return .skipped(Diagnostic(severity: .warning, location: record.location, entity: entity, field: c.field, code: c.reason ?? "filtered",
                                       message: c.reason.map { "skipped: \($0) (\(mapping.file):\(c.line))" }
                                           ?? "skipped by the mapping's where condition on '\(c.field)' (\(mapping.file):\(c.line))"),
                            duplicateOf: nil)
        }
        guard let keyValue = record.value(at: mapping.key)?.scalarText, !keyValue.isEmpty else {
            return .rejected(Diagnostic(location: record.location, entity: entity, field: mapping.key, code: "missing_key",
                                        message: "the source key '\(mapping.key)' is missing or empty; it identifies the record across runs"))
        }
        if mapping.latestBy != nil, let keep = try resolver.latest(entity: entity, key: keyValue),
           keep.file != record.location.file || keep.index != record.location.index {
            return .skipped(Diagnostic(severity: .warning, location: record.location, entity: entity, field: mapping.latestBy, code: "superseded",
                                       message: "skipped: a later version of '\(keyValue)' is at \(keep)"),
                            duplicateOf: nil)
        }
        var payload: JSONObject
        switch Self.applyRules(mapping.fields, to: record, entity: entity, resolver: resolver) {
        case .failure(let d): return .rejected(d)
        case .success(let p): payload = p
        }
        var tally = ChildTally()
        for child in mapping.children {
            var records: [Record]
            do {
                records = try childRecords(child, parent: record, parentKey: keyValue, resolver: resolver, tally: &tally)
            } catch {
                return .rejected(Diagnostic(location: record.location, entity: entity, field: child.target, code: "children_unreadable", message: "\(error)"))
            }
            var items: [JSONValue] = []
            if let leading = child.leading {
                // The parent's own first message, always first.
                switch Self.applyRules(leading, to: record, entity: "\(entity).\(child.target)", resolver: resolver) {
                case .success(let p):
                    tally.read += 1
                    items.append(.object(p))
                case .failure(let d):
                    tally.read += 1
                    tally.problems.append(d)
                }
            }
            if records.isEmpty, items.isEmpty, let standIn = child.whenNone {
                // Nothing but the parent itself: its own rules make the one child (the description as first message).
                if case .success(let p) = Self.applyRules(standIn, to: record, entity: "\(entity).\(child.target)", resolver: resolver) {
                    tally.read += 1
                    items.append(.object(p))
                } else {
                    resolver.note("\(entity) with no \(child.target) in the export and nothing to stand in (sent without any)", count: 1)
                }
            }
            for c in records {
                childObserver?(child.target, c)
                switch Self.applyRules(child.fields, to: c, entity: "\(entity).\(child.target)", resolver: resolver) {
                case .success(let p): items.append(.object(p))
                case .failure(let d): tally.problems.append(d)
                }
            }
            tally.delivered += items.count
            payload[child.target] = .array(items)
        }
        if let d = mapping.dedupe, let v = Record(fields: payload, location: record.location).value(at: d.field)?.scalarText {
            let k = d.caseInsensitive ? v.lowercased() : v
            if let (first, firstKey) = try dedupe.firstSeen(entity: entity, value: k, location: record.location, key: keyValue) {
                return .skipped(Diagnostic(severity: .warning, location: record.location, entity: entity, field: d.field, code: "duplicate",
                                           message: "duplicate \(d.field) '\(v)' (first seen at \(first)); skipped"),
                                duplicateOf: firstKey)
            }
        }
        return .mapped(MappedRecord(entity: entity, sourceKey: keyValue, payload: payload, location: record.location), children: tally)
    }

    /// A parent's children: inline, else from the separate sources (already joined, deduplicated and ordered by the
    /// run index); inline children met twice (by the child key) are skipped, and put in order.
    func childRecords(_ child: ChildSpec, parent: Record, parentKey: String, resolver: any MappingResolver, tally: inout ChildTally) throws -> [Record] {
        if let inline = child.inline, let items = parent.value(at: inline)?.arrayValue {
            var out: [Record] = []
            var seen: Set<String> = []
            let base = parent.location.pointer ?? ""
            for (i, v) in items.enumerated() {
                guard let o = v.objectValue else {
                    tally.read += 1
                    tally.problems.append(Diagnostic(location: parent.location, entity: "\(mapping.entity).\(child.target)", field: inline, code: "not_an_object",
                                                     message: "\(inline)[\(i)] is a JSON \(v.typeName), expected an object"))
                    continue
                }
                let candidate = Record(fields: o, location: parent.location)
                guard child.conditions.allSatisfy({ Self.holds($0, candidate.value(at: $0.field)) }) else { continue }
                tally.read += 1
                if let k = child.key, let id = o[k]?.scalarText {
                    guard seen.insert(id).inserted else { tally.skipped += 1; continue }
                }
                out.append(Record(fields: o, location: SourceLocation(file: parent.location.file, line: parent.location.line, index: i + 1,
                                                                      pointer: "\(base)/\(inline)/\(i)")))
            }
            if !child.order.isEmpty {
                let key = { (r: Record) in SortKey.of(child.order.lazy.compactMap { r.value(at: $0) }.first { !Self.isEmpty($0) }) }
                out = out.enumerated().sorted { a, b in
                    let x = key(a.element), y = key(b.element)
                    return x != y ? x < y : a.offset < b.offset
                }.map(\.element)
            }
            return out
        }
        guard !child.sources.isEmpty else { return [] }
        // Children from separate files were counted (read, duplicates, unreadable) when the index was built.
        return try resolver.children(of: mapping.entity, child: child.target, parentKey: parentKey)
    }

    /// Field rules → payload, or the diagnostic that rejects the record.
    static func applyRules(_ rules: [FieldRule], to record: Record, entity: String, resolver: any MappingResolver) -> Result<JSONObject, Diagnostic> {
        var payload = JSONObject()
        for rule in rules {
            var value: JSONValue = .null
            if let c = rule.constant {
                value = c
            } else if let pattern = rule.columns {
                value = columns(matching: pattern, in: record)
            } else {
                for path in rule.sources {
                    if let v = record.value(at: path), !isEmpty(v) { value = v; break }
                }
            }
            let hadValue = !isEmpty(value)
            do {
                for t in rule.transforms { value = try apply(t, value, record: record, resolver: resolver) }
            } catch let e as TransformError {
                return .failure(Diagnostic(location: record.location, entity: entity, field: rule.target, code: e.code,
                                           message: "\(e.message) (source \(rule.sources.joined(separator: " | ")))"))
            } catch {
                return .failure(Diagnostic(location: record.location, entity: entity, field: rule.target, code: "transform_failed", message: "\(error)"))
            }
            if isEmpty(value), let d = rule.defaultValue {
                value = d
                if case .string(let s) = d, s.contains("{{") { value = .string(render(s, record: record, value: .null)) }
            }
            if isEmpty(value) {
                if let note = rule.noteIfEmpty, !rule.required { resolver.note(note, count: 1) }
                if let note = rule.noteIfLost, hadValue, !rule.required { resolver.note(note, count: 1) }
                if rule.required {
                    let from = rule.sources.isEmpty ? "" : " (source field \(rule.sources.map { "'\($0)'" }.joined(separator: " or ")))"
                    return .failure(Diagnostic(location: record.location, entity: entity, field: rule.target, code: "required_missing",
                                               message: "required field '\(rule.target)' is empty\(from)"))
                }
                continue
            }
            set(&payload, path: rule.target, value)
        }
        return .success(payload)
    }

    /// `{key}` in the pattern names the payload key (in snake_case) of every column or top-level field that matches:
    /// `"{key} [*]"` gathers a Zendesk View export's custom field columns (`Order number [txt]` → `order_number`).
    static func columns(matching pattern: SourceFiles.ComponentPattern, in record: Record) -> JSONValue {
        var out = JSONObject()
        let names = record.csvColumns ?? record.fields.keys
        for name in names {
            guard let caught = pattern.match(name), let key = caught["key"], let v = record.value(at: name), !isEmpty(v) else { continue }
            if case .string(let k)? = try? apply(.slug, .string(key), record: record, resolver: NoResolver()), !k.isEmpty { out[k] = v }
        }
        return .object(out)
    }

    /// Null, "" and [] are empty: left out of payloads, skipped by `from` alternatives, filled by defaults.
    static func isEmpty(_ v: JSONValue) -> Bool {
        switch v {
        case .null: return true
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        default: return false
        }
    }

    static func holds(_ c: Condition, _ record: Record, resolver: any MappingResolver) throws -> Bool {
        var v = record.value(at: c.field)
        if let (index, field) = c.lookup {
            let found = try v?.scalarText.flatMap { try resolver.lookup(index: index, key: $0) }
            v = found.flatMap { Record(fields: $0, location: record.location).value(at: field) }
        }
        return holds(c, v)
    }

    static func holds(_ c: Condition, _ v: JSONValue?) -> Bool {
        let text = v?.scalarText
        func same(_ a: JSONValue) -> Bool { a.isNull ? (v == nil || v!.isNull) : a.scalarText == text }
        switch c.test {
        case .equals(let a): return same(a)
        case .notEquals(let a): return !same(a)
        case .isIn(let list): return list.contains(where: same)
        case .notIn(let list): return !list.contains(where: same)
        case .exists(let want): return (v != nil && !isEmpty(v!)) == want
        }
    }

    static func set(_ obj: inout JSONObject, path: String, _ value: JSONValue) {
        guard let dot = path.firstIndex(of: ".") else { obj[path] = value; return }
        let head = String(path[..<dot]), tail = String(path[path.index(after: dot)...])
        var inner = obj[head]?.objectValue ?? JSONObject()
        set(&inner, path: tail, value)
        obj[head] = .object(inner)
    }

    /// `{{path}}` from the record; `{{value}}` is the value so far. Missing values render empty.
    static func render(_ template: String, record: Record, value: JSONValue) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { out += rest[open.lowerBound...]; return out }
            let path = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let v = path == "value" ? value : record.value(at: path)
            out += v.flatMap { $0.scalarText ?? ($0.isNull ? "" : JSONSerializer.string($0)) } ?? ""
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
