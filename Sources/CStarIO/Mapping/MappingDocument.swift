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
    /// What the summary says of records this condition skips (default: the condition itself).
    public var reason: String?
    /// Test a field of another source record found by this field's value (`user_id` → the user's `role`).
    public var lookup: (index: String, field: String)?
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
    /// Adds the text another field's value maps to (`ticket-type-id` 2 → `type:incident`); nothing when unmapped.
    case appendMapped(from: String, map: [String: String])
    /// Custom field values (`[{id, value}]` or `{key: value}`) → `{cStarKey: value}` through their definitions.
    case fieldValues(FieldValuesSpec)
    /// Appends one rendered line per element of a list field (attachments as links), under a header; the
    /// elements are counted in the summary under `note`.
    case appendList(from: String, item: String, header: String?, note: String?)
    /// When the value is empty, the first non-empty of these source fields.
    case coalesce([String])
    /// Counts occurrences of `substring` in the value into the summary under `note`; the value is unchanged.
    case count(substring: String, note: String)

    static let names = ["trim", "lower", "upper", "string", "number", "boolean", "not", "nullIfEmpty", "truncate", "split", "join",
                        "map", "date", "htmlToText", "htmlToMarkdown", "template", "lookup", "ref", "member", "zendeskIntervals", "slug", "append",
                        "fieldValues", "appendList", "coalesce", "count"]
}

/// How one payload field is produced.
public struct FieldRule: Sendable {
    /// Dot path in the payload (`email`, `metadata.zendeskUserId`).
    public var target: String
    /// Source field paths; the first one with a non-empty value is used.
    public var sources: [String]
    /// Instead of `from`: every column (or top-level field) whose name matches this pattern, gathered into an object
    /// keyed by the pattern's `{key}` capture in snake_case.
    public var columns: SourceFiles.ComponentPattern?
    public var constant: JSONValue?
    public var defaultValue: JSONValue?
    public var required: Bool
    public var transforms: [Transform]
    public var line: Int
    /// When the value ends up empty, counted in the summary under this text (what cStar does instead).
    public var noteIfEmpty: String?
    /// When the source had a value but the rule ends up empty (a reference or lookup that found nothing), counted
    /// in the summary under this text.
    public var noteIfLost: String?
    /// The source field may be missing from an export altogether (newer Zendesk fields): `plan` and `validate`
    /// do not call it a mistake.
    public var optional = false
}

/// How `fieldValues` reads custom field values through their definitions (Zendesk `ticket_fields`).
public struct FieldValuesSpec: Sendable {
    /// The index of definitions, keyed by field id (or by key, for `{key: value}` values).
    public var index: String
    /// Definition fields naming the cStar key, first non-empty (slugged: `Reason for contact` → `reason_for_contact`).
    public var key: [String]
    /// Definition field with the type (`tagger`, `multiselect`, `checkbox`, `date`, `integer`, `decimal`, ...).
    public var type: String?
    /// Definition field with the options (`[{name, value}]`): a stored value becomes its option's name.
    public var options: String?
    /// In `[{id, value}]` lists: the element fields holding the definition id and the value.
    public var idField = "id"
    public var valueField = "value"
    /// A value whose field has no definition is kept as it is, under its own key (for `{key: value}` objects whose
    /// definitions an export may lack), instead of being counted as not migrated.
    public var keepUndefined = false
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
    /// Patterns grouped as written (`files: [[a, b], c]`): with `firstMatch`, the first group matching any file is
    /// read whole. A plain pattern is a group of its own.
    public var groups: [[String]] = []
}

/// A source file indexed by key, for lookups (`users` by `id`). Built on disk before records are mapped.
public struct IndexSpec: Sendable {
    public var name: String
    public var source: SourceSpec
    public var key: String
}

/// Files of child records kept apart from their parents (a comments dump), joined on `parentKey`.
public struct ChildSource: Sendable {
    public var spec: SourceSpec
    /// The child's field holding its parent's key (a `{field}` in a file pattern can supply it).
    public var parentKey: String
    /// Each element of this array field is one child, with the fields of the record around it that it lacks
    /// (an audit's `events`: each inherits the audit's `ticket_id` and `created_at`).
    public var unnest: String?
    /// Only children meeting every condition are children (`type: Comment` among an audit's events).
    public var conditions: [Condition] = []
}

/// Child records that travel inside their parent's payload (a ticket's comments → `messages`).
public struct ChildSpec: Sendable {
    /// Payload field of the parent that receives the list.
    public var target: String
    /// Array field of the parent source record holding the children (the full-export layout), if any.
    public var inline: String?
    /// Separate files of children (API-dump layouts), read together; with `key`, a child found twice is one.
    public var sources: [ChildSource] = []
    /// The children's own key: a child met again (in another source, or twice inline) is skipped as a duplicate.
    public var key: String?
    /// Children are put in the order of these fields (the first one a child has; stable; e.g. `created_at`, or
    /// `[created_at, posted_at]` when sources name their time differently), whichever source they came from.
    public var order: [String] = []
    /// Only children meeting every condition are children (inline ones too; a source's own `where` adds to it).
    public var conditions: [Condition] = []
    /// Rules applied to the parent record that make its first child, always (a Freshdesk ticket's `description`,
    /// an Intercom conversation's `source`): it comes before the others.
    public var leading: [FieldRule]?
    /// Rules applied to the parent record when it has no children at all: one child stands in (a ticket's
    /// `description` as its first message when the export holds no comments).
    public var whenNone: [FieldRule]?
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
    /// Records met more than once (incremental export pages) are taken once: the version with the greatest value
    /// of this field (the last one read on a tie); the others are skipped as superseded.
    public var latestBy: String?
    /// Further fields that break a tie of `latestBy` (Zendesk's `generated_timestamp` changes on every update,
    /// deletion included, while `updated_at` may not).
    public var latestTieBreak: [String] = []
    /// Source fields left behind on purpose (API links, fields repeated under another name): the coverage report
    /// does not list them as not migrated.
    public var ignore: [String] = []
    /// The YAML this mapping was parsed from: a run's fingerprint hashes it (a built-in file is not on disk).
    public var text: String = ""

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

    /// Mapping files come from strangers (shared, downloaded): they are read with limits, each a clear error.
    public enum Limits {
        public static let maxBytes = 1 << 20
        public static let maxNodes = 100_000
        public static let maxDepth = 64
        public static let maxAliases = 1_000
    }

    public static func parse(yaml text: String, file: String) throws -> EntityMapping {
        func refuse(_ message: String) -> MappingErrors { MappingErrors(errors: [MappingError(file: file, line: 0, column: 0, key: "", message: message)]) }
        guard text.utf8.count <= Limits.maxBytes else {
            throw refuse("the mapping file is \(text.utf8.count) bytes; mapping files are at most \(Limits.maxBytes) bytes")
        }
        // Aliases (*name) let a small file expand into an enormous tree (a "billion laughs"): count them first.
        let aliases = Self.aliasCount(text)
        guard aliases <= Limits.maxAliases else {
            throw refuse("the mapping file uses \(aliases) YAML aliases (*name); at most \(Limits.maxAliases) are allowed")
        }
        var r = YAMLReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw MappingErrors(errors: [MappingError(file: file, line: 1, column: 1, key: "", message: "the mapping file is empty")])
            }
            var budget = Limits.maxNodes
            guard Self.withinLimits(node, depth: 0, budget: &budget) else {
                throw refuse("the mapping file expands to more than \(Limits.maxNodes) YAML nodes or nests deeper than \(Limits.maxDepth) levels (aliases?)")
            }
            root = node
        } catch let e as MappingErrors {
            throw e
        } catch let e as YamlError {
            throw MappingErrors(errors: [Self.yamlError(e, file: file)])
        }
        let top: Set = ["version", "entity", "target", "description", "source", "key", "where", "dedupe", "fields", "indexes", "children", "fallbackFor", "latestBy", "ignore"]
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
                var src = SourceSpec(files: [], records: d["records"].flatMap { r.string($0, "\(p).records") })
                src.groups = d["files"].map { patternGroups($0, path: "\(p).files", &r) } ?? []
                src.files = src.groups.flatMap { $0 }
                src.firstMatch = d["firstMatch"].flatMap { r.bool($0, "\(p).firstMatch") } ?? false
                if src.files.isEmpty { r.fail(node, "\(p).files", "name at least one file") }
                checkPatterns(src.files, node: node, path: "\(p).files", &r)
                indexes.append(IndexSpec(name: name, source: src, key: key))
            }
        }
        var children: [ChildSpec] = []
        if let ch = dict["children"], let pairs = r.mapping(ch, "children") {
            for (target, node) in pairs {
                let p = "children.\(target)"
                guard let spec = r.mapping(node, p, allowed: ["inline", "source", "sources", "parentKey", "fields", "key", "order", "whenNone",
                                                              "where", "leading"]) else { continue }
                let d = Dictionary(spec, uniquingKeysWith: { a, _ in a })
                var child = ChildSpec(target: target, inline: d["inline"].flatMap { r.string($0, "\(p).inline") },
                                      key: d["key"].flatMap { r.string($0, "\(p).key") }, order: d["order"].flatMap { r.strings($0, "\(p).order") } ?? [],
                                      fields: [], line: node.mark?.line ?? 0)
                if let w = d["where"] { child.conditions = parseConditions(w, &r) }
                if let l = d["leading"] { child.leading = parseFields(l, path: "\(p).leading", &r) }
                let parentKey = d["parentKey"].flatMap { r.string($0, "\(p).parentKey") }
                if let s = d["source"] {
                    let spec = parseSource(s, path: "\(p).source", &r)
                    if let k = parentKey { child.sources.append(ChildSource(spec: spec, parentKey: k)) } else {
                        r.fail(node, "\(p).parentKey", "children from a separate file need 'parentKey' (their field holding the parent's key)")
                    }
                }
                if let list = d["sources"] {
                    if case .sequence(let items) = list {
                        for (i, item) in items.enumerated() {
                            if let c = parseChildSource(item, path: "\(p).sources[\(i)]", parentKey: parentKey, &r) { child.sources.append(c) }
                        }
                    } else {
                        r.fail(list, "\(p).sources", "expected a list of sources (each with files, records, parentKey)")
                    }
                }
                if child.inline == nil && child.sources.isEmpty { r.fail(node, p, "children come 'inline' (an array field of the parent) or from 'source'/'sources' files") }
                if let f = d["fields"] { child.fields = parseFields(f, path: "\(p).fields", &r) } else { r.fail(node, "\(p).fields", "children need 'fields'") }
                if let w = d["whenNone"] { child.whenNone = parseFields(w, path: "\(p).whenNone", &r) }
                children.append(child)
            }
        }
        let fallbackFor = dict["fallbackFor"].flatMap { r.string($0, "fallbackFor") }
        let latestFields = dict["latestBy"].flatMap { r.strings($0, "latestBy") } ?? []
        let latestBy = latestFields.first
        let ignore = dict["ignore"].flatMap { r.strings($0, "ignore") } ?? []
        for rule in fields + children.flatMap({ $0.fields + ($0.whenNone ?? []) + ($0.leading ?? []) }) {
            for t in rule.transforms {
                var used: String?
                if case .lookup(let index, _, _) = t { used = index }
                if case .fieldValues(let spec) = t { used = spec.index }
                if let index = used, !indexes.contains(where: { $0.name == index }) {
                    r.fail(dict["fields"], "fields.\(rule.target)", "'\(index)' is used as an index, which this mapping does not declare under 'indexes'")
                }
            }
        }
        for c in conditions + children.flatMap({ $0.sources.flatMap(\.conditions) }) {
            if let l = c.lookup, !indexes.contains(where: { $0.name == l.index }) {
                r.fail(dict["where"], "where.\(c.field)", "the condition looks up index '\(l.index)', which this mapping does not declare under 'indexes'")
            }
        }
        if let d = dedupe, !fields.contains(where: { $0.target == d.field }) {
            r.fail(dict["dedupe"], "dedupe.field", "'\(d.field)' is not one of the mapped fields")
        }
        if !r.errors.isEmpty { throw MappingErrors(errors: r.errors) }
        return EntityMapping(file: file, entity: entity, target: target, description: description, source: source, key: key,
                             conditions: conditions, dedupe: dedupe, fields: fields, indexes: indexes, children: children,
                             fallbackFor: fallbackFor, latestBy: latestBy, latestTieBreak: Array(latestFields.dropFirst()), ignore: ignore, text: text)
    }

    /// One entry of a child's `sources`: a source spec plus `parentKey`, `unnest` and `where`.
    static func parseChildSource(_ node: Node, path: String, parentKey: String?, _ r: inout YAMLReader) -> ChildSource? {
        guard let pairs = r.mapping(node, path, allowed: ["files", "records", "firstMatch", "parentKey", "unnest", "where"]) else { return nil }
        var spec = SourceSpec(files: [], records: nil)
        var child = ChildSource(spec: spec, parentKey: parentKey ?? "")
        for (k, v) in pairs {
            switch k {
            case "files":
                spec.groups = patternGroups(v, path: "\(path).files", &r)
                spec.files = spec.groups.flatMap { $0 }
            case "records": spec.records = r.string(v, "\(path).records")
            case "firstMatch": spec.firstMatch = r.bool(v, "\(path).firstMatch") ?? false
            case "parentKey": child.parentKey = r.string(v, "\(path).parentKey") ?? ""
            case "unnest": child.unnest = r.string(v, "\(path).unnest")
            default: child.conditions = parseConditions(v, &r)
            }
        }
        if spec.files.isEmpty { r.fail(node, "\(path).files", "name at least one source file") }
        checkPatterns(spec.files, node: node, path: "\(path).files", &r)
        if child.parentKey.isEmpty { r.fail(node, "\(path).parentKey", "name the child's field holding the parent's key (here or on the child)") }
        child.spec = spec
        return child
    }

    /// `files`: a pattern, a list of patterns, or a list mixing patterns and lists of patterns (groups).
    static func patternGroups(_ node: Node, path: String, _ r: inout YAMLReader) -> [[String]] {
        guard case .sequence(let items) = node else { return (r.strings(node, path) ?? []).map { [$0] } }
        return items.enumerated().compactMap { i, item in
            if case .sequence = item { return r.strings(item, "\(path)[\(i)]") }
            return r.string(item, "\(path)[\(i)]").map { [$0] }
        }
    }

    /// `*name` alias tokens outside quotes and comments (a cheap upper bound is enough).
    static func aliasCount(_ text: String) -> Int {
        var count = 0
        var previous: UInt8 = 10
        for b in text.utf8 {
            if b == 42, [10, 32, 9, 91, 123, 44, 58, 45].contains(previous) { count += 1 }  // * after space [ { , : -
            previous = b
        }
        return count
    }

    /// Counts nodes as a consumer would see them, aliases expanded, stopping as soon as the budget is spent.
    static func withinLimits(_ node: Node, depth: Int, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0, depth <= Limits.maxDepth else { return false }
        switch node {
        case .scalar, .alias: return true
        case .sequence(let seq):
            for item in seq { guard withinLimits(item, depth: depth + 1, budget: &budget) else { return false } }
        case .mapping(let m):
            for (k, v) in m {
                guard withinLimits(k, depth: depth + 1, budget: &budget), withinLimits(v, depth: depth + 1, budget: &budget) else { return false }
            }
        }
        return true
    }

    /// File patterns stay inside the export folder: no absolute paths, no `..`.
    static func checkPatterns(_ patterns: [String], node: Node, path: String, _ r: inout YAMLReader) {
        for p in patterns where p.hasPrefix("/") || p.hasPrefix("~") || p.split(separator: "/").contains("..") || p.contains("\\") {
            r.fail(node, path, "'\(p)' reaches outside the export folder; file patterns are relative to it (no '..', no absolute paths)")
        }
    }

    static func parseSource(_ node: Node, path: String, _ r: inout YAMLReader) -> SourceSpec {
        var source = SourceSpec(files: [], records: nil)
        guard let sp = r.mapping(node, path, allowed: ["files", "records", "firstMatch"]) else { return source }
        for (k, v) in sp {
            switch k {
            case "files":
                source.groups = patternGroups(v, path: "\(path).files", &r)
                source.files = source.groups.flatMap { $0 }
            case "firstMatch": source.firstMatch = r.bool(v, "\(path).firstMatch") ?? false
            default: source.records = r.string(v, "\(path).records")
            }
        }
        if source.files.isEmpty { r.fail(node, "\(path).files", "name at least one source file") }
        checkPatterns(source.files, node: node, path: "\(path).files", &r)
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
            guard let pairs = r.mapping(item, path, allowed: ["field", "equals", "notEquals", "in", "notIn", "exists", "reason", "lookup"]) else { continue }
            var field: String?
            var test: Condition.Test?
            var reason: String?
            var lookup: (String, String)?
            for (k, v) in pairs {
                switch k {
                case "field": field = r.string(v, "\(path).field")
                case "reason": reason = r.string(v, "\(path).reason")
                case "lookup":
                    guard let spec = r.mapping(v, "\(path).lookup", allowed: ["index", "field"]) else { continue }
                    let d = Dictionary(spec, uniquingKeysWith: { a, _ in a })
                    if let i = d["index"].flatMap({ r.string($0, "\(path).lookup.index") }), let f = d["field"].flatMap({ r.string($0, "\(path).lookup.field") }) {
                        lookup = (i, f)
                    } else {
                        r.fail(v, "\(path).lookup", "a lookup needs 'index' and 'field'")
                    }
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
            out.append(Condition(field: f, test: t, line: item.mark?.line ?? 0, reason: reason, lookup: lookup))
        }
        return out
    }

    static func parseField(_ target: String, _ node: Node, path base: String = "fields", _ r: inout YAMLReader) -> FieldRule? {
        let path = "\(base).\(target)"
        // Shorthand: `email: email` means `from: email`.
        if case .scalar(let s) = node {
            return FieldRule(target: target, sources: [s.string], constant: nil, defaultValue: nil, required: false, transforms: [], line: node.mark?.line ?? 0)
        }
        guard let pairs = r.mapping(node, path, allowed: ["from", "fromColumns", "const", "default", "required", "transform", "noteIfEmpty", "noteIfLost", "optional"]) else { return nil }
        var rule = FieldRule(target: target, sources: [], constant: nil, defaultValue: nil, required: false, transforms: [], line: node.mark?.line ?? 0)
        for (k, v) in pairs {
            switch k {
            case "from": rule.sources = r.strings(v, "\(path).from") ?? []
            case "fromColumns":
                guard let text = r.string(v, "\(path).fromColumns") else { continue }
                let p = SourceFiles.ComponentPattern(text)
                if p.captures.contains("key") { rule.columns = p } else {
                    r.fail(v, "\(path).fromColumns", "a column pattern needs {key}, the part of the column name that becomes the payload key (\"{key} [*]\")")
                }
            case "const": rule.constant = r.json(v)
            case "default": rule.defaultValue = r.json(v)
            case "required": rule.required = r.bool(v, "\(path).required") ?? false
            case "noteIfEmpty": rule.noteIfEmpty = r.string(v, "\(path).noteIfEmpty")
            case "noteIfLost": rule.noteIfLost = r.string(v, "\(path).noteIfLost")
            case "optional": rule.optional = r.bool(v, "\(path).optional") ?? false
            default: rule.transforms = parseTransforms(v, path: "\(path).transform", &r)
            }
        }
        if rule.sources.isEmpty && rule.constant == nil && rule.defaultValue == nil && rule.columns == nil {
            r.fail(node, path, "give 'from' (a source field), 'fromColumns', 'const' or 'default'")
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
            let allowed: Set = ["truncate", "split", "join", "map", "fallback", "onUnmapped", "date", "template", "lookup", "ref", "member", "onMissing", "append",
                                "fieldValues", "appendList", "coalesce", "count"]
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
            else if let a = dict["append"] {
                if a.mapping != nil {
                    guard let pairs = r.mapping(a, "\(p).append", allowed: ["from", "map"]) else { continue }
                    let d = Dictionary(pairs, uniquingKeysWith: { x, _ in x })
                    guard let fromNode = d["from"], let from = r.string(fromNode, "\(p).append.from"),
                          let mapNode = d["map"], let entries = r.mapping(mapNode, "\(p).append.map") else {
                        r.fail(a, "\(p).append", "an append of another field needs from (the field) and map (its values → the text to add)")
                        continue
                    }
                    var table: [String: String] = [:]
                    for (k, v) in entries { if let text = r.string(v, "\(p).append.map.\(k)") { table[k] = text } }
                    out.append(.appendMapped(from: from, map: table))
                } else if let v = r.string(a, "\(p).append") { out.append(.append(v)) }
            }
            else if let c = dict["coalesce"] { if let v = r.strings(c, "\(p).coalesce") { out.append(.coalesce(v)) } }
            else if let c = dict["count"] {
                guard let spec = r.mapping(c, "\(p).count", allowed: ["substring", "note"]) else { continue }
                let d = Dictionary(spec, uniquingKeysWith: { a, _ in a })
                guard let sub = d["substring"].flatMap({ r.string($0, "\(p).count.substring") }), !sub.isEmpty,
                      let note = d["note"].flatMap({ r.string($0, "\(p).count.note") }) else {
                    r.fail(c, "\(p).count", "count needs 'substring' and 'note'")
                    continue
                }
                out.append(.count(substring: sub, note: note))
            }
            else if let a = dict["appendList"] {
                guard let spec = r.mapping(a, "\(p).appendList", allowed: ["from", "item", "header", "note"]) else { continue }
                let d = Dictionary(spec, uniquingKeysWith: { a, _ in a })
                guard let from = d["from"].flatMap({ r.string($0, "\(p).appendList.from") }),
                      let item = d["item"].flatMap({ r.string($0, "\(p).appendList.item") }) else {
                    r.fail(a, "\(p).appendList", "appendList needs 'from' (a list field) and 'item' (a template per element)")
                    continue
                }
                out.append(.appendList(from: from, item: item, header: d["header"].flatMap { r.string($0, "\(p).appendList.header") },
                                       note: d["note"].flatMap { r.string($0, "\(p).appendList.note") }))
            }
            else if let f = dict["fieldValues"] {
                guard let spec = r.mapping(f, "\(p).fieldValues", allowed: ["index", "key", "type", "options", "idField", "valueField", "keepUndefined"]) else { continue }
                let d = Dictionary(spec, uniquingKeysWith: { a, _ in a })
                guard let index = d["index"].flatMap({ r.string($0, "\(p).fieldValues.index") }),
                      let key = d["key"].flatMap({ r.strings($0, "\(p).fieldValues.key") }) else {
                    r.fail(f, "\(p).fieldValues", "fieldValues needs 'index' (definitions by id) and 'key' (the definition field naming the cStar key)")
                    continue
                }
                var fv = FieldValuesSpec(index: index, key: key, type: d["type"].flatMap { r.string($0, "\(p).fieldValues.type") },
                                         options: d["options"].flatMap { r.string($0, "\(p).fieldValues.options") })
                if let i = d["idField"].flatMap({ r.string($0, "\(p).fieldValues.idField") }) { fv.idField = i }
                if let v = d["valueField"].flatMap({ r.string($0, "\(p).fieldValues.valueField") }) { fv.valueField = v }
                if let k = d["keepUndefined"].flatMap({ r.bool($0, "\(p).fieldValues.keepUndefined") }) { fv.keepUndefined = k }
                out.append(.fieldValues(fv))
            }
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
                r.fail(item, p, "a transform step needs one of: truncate, split, join, map, date, template, append, appendList, coalesce, count, fieldValues, lookup, ref, member")
            }
        }
        return out
    }
}
