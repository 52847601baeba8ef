import Foundation
import Yams

/// The cStar resources a mapping can produce.
public enum TargetResource: String, Sendable, CaseIterable {
    case customers, tickets, articles
    case customerGroups = "customer-groups"
    case categories
    case customFields = "custom-fields"
    /// Customer ↔ group links (`{groupId, customerId}`), sent through the group membership endpoint.
    case groupMemberships = "customer-group-memberships"
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

/// What a lookup does when the referenced record is not there.
public enum MissingPolicy: String, Sendable, CaseIterable {
    /// The field is left empty (a `default` may fill it).
    case null
    /// The source value is kept as it is.
    case keep
    /// The whole record is rejected with the reason.
    case reject
}

/// One value transformation step.
public enum Transform: Sendable {
    case trim, lower, upper, string, number, boolean, not
    case nullIfEmpty
    case truncate(Int)
    case split(String)
    case join(String)
    /// Enum map; `fallback` is used for unmapped values, or the record is rejected when `reject` is set.
    case map([String: JSONValue], fallback: JSONValue?, reject: Bool)
    case date(DateParsing.Format)
    case htmlToText
    case htmlToMarkdown
    /// `{{path}}` placeholders filled from the source record; `{{value}}` is the value so far.
    case template(String)
    /// A field of another source record, found by key in a declared index (`users` by `id` → `email`).
    case lookup(index: String, field: String, onMissing: MissingPolicy)
    /// The cStar id of the record another entity mapped from this source key (resolved through the ID map).
    case ref(entity: String, onMissing: MissingPolicy)
    /// The cStar member (agent) with this email.
    case member(onMissing: MissingPolicy)
    /// Zendesk schedule intervals (minutes from Sunday 00:00) → a weekly schedule by day name.
    case zendeskIntervals
    /// Lower-case letters, digits and underscores (`Reason for contact` → `reason_for_contact`), for keys.
    case slug
    /// Adds the rendered template to the list (skipped when it renders empty).
    case append(String)

    static let names = ["trim", "lower", "upper", "string", "number", "boolean", "not", "nullIfEmpty", "truncate", "split", "join",
                        "map", "date", "htmlToText", "htmlToMarkdown", "template", "lookup", "ref", "member", "zendeskIntervals", "slug", "append"]
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
    /// With `firstMatch`, only the first pattern that matches any file is read (alternative layouts of the
    /// same data, such as API pages or the NDJSON full export).
    public var firstMatch = false
}

/// A source file indexed by key, for lookups (`users` by `id`). Built on disk before records are mapped.
public struct IndexSpec: Sendable {
    public var name: String
    public var source: SourceSpec
    public var key: String
}

/// Child records that travel inside their parent's payload (a ticket's comments → `messages`).
public struct ChildSpec: Sendable {
    /// Payload field of the parent that receives the list.
    public var target: String
    /// Array field of the parent source record holding the children (the full-export layout), if any.
    public var inline: String?
    /// A separate file of children (the API-dump layout), joined on `parentKey` through an on-disk index.
    public var source: SourceSpec?
    public var parentKey: String?
    public var fields: [FieldRule]
    public var line: Int
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
    public var indexes: [IndexSpec] = []
    public var children: [ChildSpec] = []
    /// Used only when the named entity found no source files (a CSV layout standing in for the JSON one).
    public var fallbackFor: String?
    /// The YAML this mapping was parsed from: a run's fingerprint hashes it (a built-in file is not on disk).
    public var text: String

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
        let top: Set = ["version", "entity", "target", "description", "source", "key", "where", "dedupe", "fields", "indexes", "children", "fallbackFor"]
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
        if let s = dict["source"] { source = parseSource(s, path: "source", &r) }
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
        if let f = dict["fields"] { fields = parseFields(f, path: "fields", &r) }
        var indexes: [IndexSpec] = []
        if let ix = dict["indexes"], let pairs = r.mapping(ix, "indexes") {
            for (name, node) in pairs {
                let p = "indexes.\(name)"
                guard let spec = r.mapping(node, p, allowed: ["files", "records", "key", "firstMatch"]) else { continue }
                let d = Dictionary(spec, uniquingKeysWith: { a, _ in a })
                guard let key = d["key"].flatMap({ r.string($0, "\(p).key") }) else { r.fail(node, "\(p).key", "an index needs 'key'"); continue }
                var src = SourceSpec(files: d["files"].flatMap { r.strings($0, "\(p).files") } ?? [], records: d["records"].flatMap { r.string($0, "\(p).records") })
                src.firstMatch = d["firstMatch"].flatMap { r.bool($0, "\(p).firstMatch") } ?? false
                if src.files.isEmpty { r.fail(node, "\(p).files", "name at least one file") }
                indexes.append(IndexSpec(name: name, source: src, key: key))
            }
        }
        var children: [ChildSpec] = []
        if let ch = dict["children"], let pairs = r.mapping(ch, "children") {
            for (target, node) in pairs {
                let p = "children.\(target)"
                guard let spec = r.mapping(node, p, allowed: ["inline", "source", "parentKey", "fields"]) else { continue }
                let d = Dictionary(spec, uniquingKeysWith: { a, _ in a })
                var child = ChildSpec(target: target, inline: d["inline"].flatMap { r.string($0, "\(p).inline") }, source: nil,
                                      parentKey: d["parentKey"].flatMap { r.string($0, "\(p).parentKey") }, fields: [], line: node.mark?.line ?? 0)
                if let s = d["source"] { child.source = parseSource(s, path: "\(p).source", &r) }
                if child.inline == nil && child.source == nil { r.fail(node, p, "children come 'inline' (an array field of the parent) or from a 'source' file") }
                if child.source != nil && child.parentKey == nil { r.fail(node, "\(p).parentKey", "children from a separate file need 'parentKey' (their field holding the parent's key)") }
                if let f = d["fields"] { child.fields = parseFields(f, path: "\(p).fields", &r) } else { r.fail(node, "\(p).fields", "children need 'fields'") }
                children.append(child)
            }
        }
        let fallbackFor = dict["fallbackFor"].flatMap { r.string($0, "fallbackFor") }
        for rule in fields + children.flatMap(\.fields) {
            for t in rule.transforms {
                if case .lookup(let index, _, _) = t, !indexes.contains(where: { $0.name == index }) {
                    r.fail(dict["fields"], "fields.\(rule.target)", "lookup uses index '\(index)', which this mapping does not declare under 'indexes'")
                }
            }
        }
        if let d = dedupe, !fields.contains(where: { $0.target == d.field }) {
            r.fail(dict["dedupe"], "dedupe.field", "'\(d.field)' is not one of the mapped fields")
        }
        if !r.errors.isEmpty { throw MappingErrors(errors: r.errors) }
        return EntityMapping(file: file, entity: entity, target: target, description: description, source: source, key: key,
                             conditions: conditions, dedupe: dedupe, fields: fields, indexes: indexes, children: children,
                             fallbackFor: fallbackFor, text: text)
    }

    static func parseSource(_ node: Node, path: String, _ r: inout YAMLReader) -> SourceSpec {
        var source = SourceSpec(files: [], records: nil)
        guard let sp = r.mapping(node, path, allowed: ["files", "records", "firstMatch"]) else { return source }
        for (k, v) in sp {
            switch k {
            case "files": source.files = r.strings(v, "\(path).files") ?? []
            case "firstMatch": source.firstMatch = r.bool(v, "\(path).firstMatch") ?? false
            default: source.records = r.string(v, "\(path).records")
            }
        }
        if source.files.isEmpty { r.fail(node, "\(path).files", "name at least one source file") }
        return source
    }

    static func parseFields(_ node: Node, path: String, _ r: inout YAMLReader) -> [FieldRule] {
        guard let fp = r.mapping(node, path) else { return [] }
        return fp.compactMap { target, n in parseField(target, n, path: path, &r) }
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

    static func parseField(_ target: String, _ node: Node, path base: String = "fields", _ r: inout YAMLReader) -> FieldRule? {
        let path = "\(base).\(target)"
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
                case "not": out.append(.not)
                case "nullIfEmpty": out.append(.nullIfEmpty)
                case "date": out.append(.date(.auto))
                case "htmlToText": out.append(.htmlToText)
                case "htmlToMarkdown": out.append(.htmlToMarkdown)
                case "zendeskIntervals": out.append(.zendeskIntervals)
                case "slug": out.append(.slug)
                default:
                    r.fail(item, p, "unknown transform '\(s.string)'; known: \(Transform.names.joined(separator: ", "))")
                }
                continue
            }
            let allowed: Set = ["truncate", "split", "join", "map", "fallback", "onUnmapped", "date", "template", "lookup", "ref", "member", "onMissing", "append"]
            guard let pairs = r.mapping(item, p, allowed: allowed) else { continue }
            let dict = Dictionary(pairs, uniquingKeysWith: { a, _ in a })
            func missing() -> MissingPolicy {
                guard let n = dict["onMissing"], let v = r.string(n, "\(p).onMissing") else { return .null }
                guard let m = MissingPolicy(rawValue: v) else {
                    r.fail(n, "\(p).onMissing", "unknown policy '\(v)'; one of: null, keep, reject")
                    return .null
                }
                return m
            }
            if let n = dict["truncate"] { if let v = r.int(n, "\(p).truncate") { out.append(.truncate(v)) } }
            else if let s = dict["split"] { if let v = r.string(s, "\(p).split") { out.append(.split(v)) } }
            else if let j = dict["join"] { if let v = r.string(j, "\(p).join") { out.append(.join(v)) } }
            else if let d = dict["date"] {
                guard let v = r.string(d, "\(p).date") else { continue }
                if let f = DateParsing.Format(rawValue: v) { out.append(.date(f)) } else {
                    r.fail(d, "\(p).date", "unknown date format '\(v)'; one of: \(DateParsing.Format.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
            else if let t = dict["template"] { if let v = r.string(t, "\(p).template") { out.append(.template(v)) } }
            else if let a = dict["append"] { if let v = r.string(a, "\(p).append") { out.append(.append(v)) } }
            else if let l = dict["lookup"] {
                guard let spec = r.mapping(l, "\(p).lookup", allowed: ["index", "field"]) else { continue }
                let d = Dictionary(spec, uniquingKeysWith: { a, _ in a })
                guard let index = d["index"].flatMap({ r.string($0, "\(p).lookup.index") }),
                      let field = d["field"].flatMap({ r.string($0, "\(p).lookup.field") }) else {
                    r.fail(l, "\(p).lookup", "a lookup needs 'index' and 'field'")
                    continue
                }
                out.append(.lookup(index: index, field: field, onMissing: missing()))
            }
            else if let e = dict["ref"] { if let v = r.string(e, "\(p).ref") { out.append(.ref(entity: v, onMissing: missing())) } }
            else if let m = dict["member"] {
                if r.string(m, "\(p).member") != "email" { r.fail(m, "\(p).member", "members are matched by 'email'") }
                out.append(.member(onMissing: missing()))
            }
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
                r.fail(item, p, "a transform step needs one of: truncate, split, join, map, date, template, append, lookup, ref, member")
            }
        }
        return out
    }
}
