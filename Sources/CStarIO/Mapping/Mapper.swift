/// A record ready for cStar: the payload it receives, and the source key that identifies it.
public struct MappedRecord: Sendable {
    public var entity: String
    public var sourceKey: String
    public var payload: JSONObject
    public var location: SourceLocation
}

/// What became of one source record.
public enum MapOutcome: Sendable {
    case mapped(MappedRecord, childProblems: [Diagnostic])
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

    public init(mapping: EntityMapping, dedupe: any DedupeIndex = MemoryDedupe()) {
        self.mapping = mapping
        self.dedupe = dedupe
    }

    /// Throws only when the run's own storage fails (the dedupe index): that stops the run, resumable, rather than
    /// turning every record into a reject.
    public mutating func map(_ record: Record, resolver: any MappingResolver = NoResolver()) throws -> MapOutcome {
        let entity = mapping.entity
        for c in mapping.conditions where !Self.holds(c, record.value(at: c.field)) {
            return .skipped(Diagnostic(severity: .warning, location: record.location, entity: entity, field: c.field, code: "filtered",
                                       message: "skipped by the mapping's where condition on '\(c.field)' (\(mapping.file):\(c.line))"),
                            duplicateOf: nil)
        }
        guard let keyValue = record.value(at: mapping.key)?.scalarText, !keyValue.isEmpty else {
            return .rejected(Diagnostic(location: record.location, entity: entity, field: mapping.key, code: "missing_key",
                                        message: "the source key '\(mapping.key)' is missing or empty; it identifies the record across runs"))
        }
        var payload: JSONObject
        switch Self.applyRules(mapping.fields, to: record, entity: entity, resolver: resolver) {
        case .failure(let d): return .rejected(d)
        case .success(let p): payload = p
        }
        var childProblems: [Diagnostic] = []
        for child in mapping.children {
            let records: [Record]
            do {
                records = try childRecords(child, parent: record, parentKey: keyValue, resolver: resolver)
            } catch {
                return .rejected(Diagnostic(location: record.location, entity: entity, field: child.target, code: "children_unreadable", message: "\(error)"))
            }
            var items: [JSONValue] = []
            for c in records {
                switch Self.applyRules(child.fields, to: c, entity: "\(entity).\(child.target)", resolver: resolver) {
                case .success(let p): items.append(.object(p))
                case .failure(let d): childProblems.append(d)
                }
            }
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
        return .mapped(MappedRecord(entity: entity, sourceKey: keyValue, payload: payload, location: record.location), childProblems: childProblems)
    }

    func childRecords(_ child: ChildSpec, parent: Record, parentKey: String, resolver: any MappingResolver) throws -> [Record] {
        if let inline = child.inline, let items = parent.value(at: inline)?.arrayValue {
            return items.enumerated().compactMap { i, v in
                v.objectValue.map { Record(fields: $0, location: SourceLocation(file: parent.location.file, line: parent.location.line, index: i + 1)) }
            }
        }
        guard child.source != nil else { return [] }
        return try resolver.children(of: mapping.entity, child: child.target, parentKey: parentKey)
    }

    /// Field rules → payload, or the diagnostic that rejects the record.
    static func applyRules(_ rules: [FieldRule], to record: Record, entity: String, resolver: any MappingResolver) -> Result<JSONObject, Diagnostic> {
        var payload = JSONObject()
        for rule in rules {
            var value: JSONValue = .null
            if let c = rule.constant {
                value = c
            } else {
                for path in rule.sources {
                    if let v = record.value(at: path), !isEmpty(v) { value = v; break }
                }
            }
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

    static func isEmpty(_ v: JSONValue) -> Bool {
        switch v {
        case .null: return true
        case .string(let s): return s.isEmpty
        default: return false
        }
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
