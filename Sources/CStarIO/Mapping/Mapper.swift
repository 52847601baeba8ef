/// A record ready for cStar: the payload it receives, and the source key that identifies it.
public struct MappedRecord: Sendable {
    public var entity: String
    public var sourceKey: String
    public var payload: JSONObject
    public var location: SourceLocation
}

/// What became of one source record.
public enum MapOutcome: Sendable {
    case mapped(MappedRecord)
    /// Filtered out on purpose (a `where` condition, or a duplicate); counts as skipped, with the reason.
    case skipped(Diagnostic)
    case rejected(Diagnostic)
}

/// Applies one entity mapping to source records. Keeps the dedupe set for the run.
public struct Mapper {
    public let mapping: EntityMapping
    private var seen: [String: SourceLocation] = [:]

    public init(mapping: EntityMapping) {
        self.mapping = mapping
    }

    public mutating func map(_ record: Record) -> MapOutcome {
        let entity = mapping.entity
        for c in mapping.conditions where !Self.holds(c, record.value(at: c.field)) {
            return .skipped(Diagnostic(severity: .warning, location: record.location, entity: entity, field: c.field, code: "filtered",
                                       message: "skipped by the mapping's where condition on '\(c.field)' (\(mapping.file):\(c.line))"))
        }
        guard let keyValue = record.value(at: mapping.key)?.scalarText, !keyValue.isEmpty else {
            return .rejected(Diagnostic(location: record.location, entity: entity, field: mapping.key, code: "missing_key",
                                        message: "the source key '\(mapping.key)' is missing or empty; it identifies the record across runs"))
        }
        var payload = JSONObject()
        for rule in mapping.fields {
            var value: JSONValue = .null
            if let c = rule.constant {
                value = c
            } else {
                for path in rule.sources {
                    if let v = record.value(at: path), !Self.isEmpty(v) { value = v; break }
                }
            }
            do {
                for t in rule.transforms { value = try Self.apply(t, value) }
            } catch let e as TransformError {
                return .rejected(Diagnostic(location: record.location, entity: entity, field: rule.target, code: "transform_failed",
                                            message: "\(e.message) (source \(rule.sources.joined(separator: " | ")))"))
            } catch {
                return .rejected(Diagnostic(location: record.location, entity: entity, field: rule.target, code: "transform_failed", message: "\(error)"))
            }
            if Self.isEmpty(value), let d = rule.defaultValue { value = d }
            if Self.isEmpty(value) {
                if rule.required {
                    let from = rule.sources.isEmpty ? "" : " (source field \(rule.sources.map { "'\($0)'" }.joined(separator: " or ")))"
                    return .rejected(Diagnostic(location: record.location, entity: entity, field: rule.target, code: "required_missing",
                                                message: "required field '\(rule.target)' is empty\(from)"))
                }
                continue
            }
            Self.set(&payload, path: rule.target, value)
        }
        if let d = mapping.dedupe, let v = Self.value(payload, d.field)?.scalarText {
            let k = d.caseInsensitive ? v.lowercased() : v
            if let first = seen[k] {
                return .skipped(Diagnostic(severity: .warning, location: record.location, entity: entity, field: d.field, code: "duplicate",
                                           message: "duplicate \(d.field) '\(v)' (first seen at \(first)); skipped"))
            }
            seen[k] = record.location
        }
        return .mapped(MappedRecord(entity: entity, sourceKey: keyValue, payload: payload, location: record.location))
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

    static func value(_ obj: JSONObject, _ path: String) -> JSONValue? {
        Record(fields: obj, location: SourceLocation(file: "", line: 0, index: 0)).value(at: path)
    }
}
