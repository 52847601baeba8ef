import Foundation
import Yams

/// The cStar resources a mapping can produce.
public enum TargetResource: String, Sendable, CaseIterable {
    case customers, tickets, articles
    case customerGroups = "customer-groups"
    case categories
    case customFields = "custom-fields"
    case settings
}

/// A record-level filter: the record is skipped unless every condition holds.
public struct Condition: Sendable {
    public enum Test: Sendable {
        case equals(JSONValue), notEquals(JSONValue), isIn([JSONValue]), notIn([JSONValue]), exists(Bool)
    }
    public var field: String
    public var test: Test
    public var line: Int
}

/// Skip records whose payload `field` was already seen in this run (optionally ignoring case).
public struct Dedupe: Sendable {
    public var field: String
    public var caseInsensitive: Bool
}

/// One value transformation step.
public enum Transform: Sendable {
    case trim, lower, upper, string, number, boolean
    case nullIfEmpty
    case truncate(Int)
    case split(String)
    case join(String)
    /// Enum map; `fallback` is used for unmapped values, or the record is rejected when `reject` is set.
    case map([String: JSONValue], fallback: JSONValue?, reject: Bool)

    static let names = ["trim", "lower", "upper", "string", "number", "boolean", "nullIfEmpty", "truncate", "split", "join", "map"]
}

/// How one payload field is produced.
public struct FieldRule: Sendable {
    /// Dot path in the payload (`email`, `metadata.zendeskUserId`).
    public var target: String
    /// Source field paths; the first one with a non-empty value is used.
    public var sources: [String]
    public var constant: JSONValue?
    public var defaultValue: JSONValue?
    public var required: Bool
    public var transforms: [Transform]
    public var line: Int
}

/// Where an entity's records come from.
public struct SourceSpec: Sendable {
    /// File names or glob patterns relative to the export folder; all matches are read, in order, as one stream.
    public var files: [String]
    /// Key or JSON pointer of the record array in JSON documents.
    public var records: String?
}

/// One mapping file: how source records become one kind of cStar record.
public struct EntityMapping: Sendable {
    public var file: String
    public var entity: String
    public var target: TargetResource
    public var description: String?
    public var source: SourceSpec
    public var key: String
    public var conditions: [Condition]
    public var dedupe: Dedupe?
    public var fields: [FieldRule]

    /// Loads and fully validates a mapping file; all problems are reported at once.
    public static func load(path: String) throws -> EntityMapping {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw MappingErrors(errors: [MappingError(file: path, line: 0, column: 0, key: "", message: "cannot read the mapping file: \(error.localizedDescription)")])
        }
        return try parse(yaml: text, file: path)
    }

    public static func parse(yaml text: String, file: String) throws -> EntityMapping {
        var r = YAMLReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw MappingErrors(errors: [MappingError(file: file, line: 1, column: 1, key: "", message: "the mapping file is empty")])
            }
            root = node
        } catch let e as MappingErrors {
            throw e
        } catch let e as YamlError {
            throw MappingErrors(errors: [Self.yamlError(e, file: file)])
        }
        let top: Set = ["version", "entity", "target", "description", "source", "key", "where", "dedupe", "fields"]
        guard let pairs = r.mapping(root, "", allowed: top) else { throw MappingErrors(errors: r.errors) }
        let dict = Dictionary(pairs, uniquingKeysWith: { a, _ in a })
        for required in ["version", "entity", "target", "source", "key", "fields"] where dict[required] == nil {
            r.fail(root, required, "missing required key '\(required)'")
        }
        if let v = dict["version"], let n = r.int(v, "version"), n != 1 {
            r.fail(v, "version", "unsupported mapping version \(n); this cstar-io reads version 1")
        }
        let entity = dict["entity"].flatMap { r.string($0, "entity") } ?? ""
        var target = TargetResource.customers
        if let t = dict["target"], let s = r.string(t, "target") {
            if let tr = TargetResource(rawValue: s) { target = tr } else {
                r.fail(t, "target", "unknown target '\(s)'; one of: \(TargetResource.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let description = dict["description"].flatMap { r.string($0, "description") }
        var source = SourceSpec(files: [], records: nil)
        if let s = dict["source"], let sp = r.mapping(s, "source", allowed: ["files", "records"]) {
            for (k, v) in sp {
                switch k {
                case "files": source.files = r.strings(v, "source.files") ?? []
                default: source.records = r.string(v, "source.records")
                }
            }
            if source.files.isEmpty { r.fail(s, "source.files", "name at least one source file") }
        }
        let key = dict["key"].flatMap { r.string($0, "key") } ?? ""
        var conditions: [Condition] = []
        if let w = dict["where"] { conditions = parseConditions(w, &r) }
        var dedupe: Dedupe?
        if let d = dict["dedupe"], let dp = r.mapping(d, "dedupe", allowed: ["field", "caseInsensitive"]) {
            var field = "", ci = false
            for (k, v) in dp {
                if k == "field" { field = r.string(v, "dedupe.field") ?? "" } else { ci = r.bool(v, "dedupe.caseInsensitive") ?? false }
            }
            if field.isEmpty { r.fail(d, "dedupe.field", "name the payload field to deduplicate on") }
            dedupe = Dedupe(field: field, caseInsensitive: ci)
        }
        var fields: [FieldRule] = []
        if let f = dict["fields"], let fp = r.mapping(f, "fields") {
            for (target, node) in fp { if let rule = parseField(target, node, &r) { fields.append(rule) } }
        }
        if let d = dedupe, !fields.contains(where: { $0.target == d.field }) {
            r.fail(dict["dedupe"], "dedupe.field", "'\(d.field)' is not one of the mapped fields")
        }
        if !r.errors.isEmpty { throw MappingErrors(errors: r.errors) }
        return EntityMapping(file: file, entity: entity, target: target, description: description, source: source, key: key,
                             conditions: conditions, dedupe: dedupe, fields: fields)
    }

    static func yamlError(_ e: YamlError, file: String) -> MappingError {
        let text = "\(e)"
        // Yams describes errors as "<line>:<column>: error: ..."; keep its position when it has one.
        let parts = text.split(separator: ":", maxSplits: 2)
        if parts.count == 3, let line = Int(parts[0].trimmingCharacters(in: .whitespaces)), let col = Int(parts[1]) {
            return MappingError(file: file, line: line, column: col, key: "", message: "invalid YAML: " + parts[2].trimmingCharacters(in: .whitespaces))
        }
        return MappingError(file: file, line: 0, column: 0, key: "", message: "invalid YAML: \(text)")
    }

    static func parseConditions(_ node: Node, _ r: inout YAMLReader) -> [Condition] {
        guard case .sequence(let seq) = node else {
            r.fail(node, "where", "expected a list of conditions like '- field: role' / '  in: [end-user]'")
            return []
        }
        var out: [Condition] = []
        for (i, item) in seq.enumerated() {
            let path = "where[\(i)]"
            guard let pairs = r.mapping(item, path, allowed: ["field", "equals", "notEquals", "in", "notIn", "exists"]) else { continue }
            var field: String?
            var test: Condition.Test?
            for (k, v) in pairs {
                switch k {
                case "field": field = r.string(v, "\(path).field")
                case "equals": test = .equals(r.json(v))
                case "notEquals": test = .notEquals(r.json(v))
                case "in", "notIn":
                    guard case .sequence(let vs) = v else { r.fail(v, "\(path).\(k)", "expected a list of values"); continue }
                    test = k == "in" ? .isIn(vs.map { r.json($0) }) : .notIn(vs.map { r.json($0) })
                default: test = r.bool(v, "\(path).exists").map { .exists($0) }
                }
            }
            guard let f = field else { r.fail(item, "\(path).field", "a condition needs 'field'"); continue }
            guard let t = test else { r.fail(item, path, "a condition needs one of equals, notEquals, in, notIn, exists"); continue }
            out.append(Condition(field: f, test: t, line: item.mark?.line ?? 0))
        }
        return out
    }

    static func parseField(_ target: String, _ node: Node, _ r: inout YAMLReader) -> FieldRule? {
        let path = "fields.\(target)"
        // Shorthand: `email: email` means `from: email`.
        if case .scalar(let s) = node {
            return FieldRule(target: target, sources: [s.string], constant: nil, defaultValue: nil, required: false, transforms: [], line: node.mark?.line ?? 0)
        }
        guard let pairs = r.mapping(node, path, allowed: ["from", "const", "default", "required", "transform"]) else { return nil }
        var rule = FieldRule(target: target, sources: [], constant: nil, defaultValue: nil, required: false, transforms: [], line: node.mark?.line ?? 0)
        for (k, v) in pairs {
            switch k {
            case "from": rule.sources = r.strings(v, "\(path).from") ?? []
            case "const": rule.constant = r.json(v)
            case "default": rule.defaultValue = r.json(v)
            case "required": rule.required = r.bool(v, "\(path).required") ?? false
            default: rule.transforms = parseTransforms(v, path: "\(path).transform", &r)
            }
        }
        if rule.sources.isEmpty && rule.constant == nil && rule.defaultValue == nil {
            r.fail(node, path, "give 'from' (a source field), 'const' or 'default'")
        }
        if !rule.sources.isEmpty && rule.constant != nil {
            r.fail(node, path, "'from' and 'const' exclude each other")
        }
        return rule
    }

    static func parseTransforms(_ node: Node, path: String, _ r: inout YAMLReader) -> [Transform] {
        let items: [Node]
        if case .sequence(let seq) = node { items = Array(seq) } else { items = [node] }
        var out: [Transform] = []
        for (i, item) in items.enumerated() {
            let p = "\(path)[\(i)]"
            if case .scalar(let s) = item {
                switch s.string {
                case "trim": out.append(.trim)
                case "lower": out.append(.lower)
                case "upper": out.append(.upper)
                case "string": out.append(.string)
                case "number": out.append(.number)
                case "boolean": out.append(.boolean)
                case "nullIfEmpty": out.append(.nullIfEmpty)
                default:
                    r.fail(item, p, "unknown transform '\(s.string)'; known: \(Transform.names.joined(separator: ", "))")
                }
                continue
            }
            guard let pairs = r.mapping(item, p, allowed: ["truncate", "split", "join", "map", "fallback", "onUnmapped"]) else { continue }
            let dict = Dictionary(pairs, uniquingKeysWith: { a, _ in a })
            if let n = dict["truncate"] { if let v = r.int(n, "\(p).truncate") { out.append(.truncate(v)) } }
            else if let s = dict["split"] { if let v = r.string(s, "\(p).split") { out.append(.split(v)) } }
            else if let j = dict["join"] { if let v = r.string(j, "\(p).join") { out.append(.join(v)) } }
            else if let m = dict["map"] {
                guard let entries = r.mapping(m, "\(p).map") else { continue }
                var table: [String: JSONValue] = [:]
                for (k, v) in entries { table[k] = r.json(v) }
                var reject = false
                if let policy = dict["onUnmapped"] {
                    switch r.string(policy, "\(p).onUnmapped") {
                    case "reject": reject = true
                    case "keep", "fallback", nil: break
                    case let other?: r.fail(policy, "\(p).onUnmapped", "unknown policy '\(other)'; one of: keep, fallback, reject")
                    }
                }
                out.append(.map(table, fallback: dict["fallback"].map { r.json($0) }, reject: reject))
            } else {
                r.fail(item, p, "a transform step needs one of: truncate, split, join, map")
            }
        }
        return out
    }
}
