import Foundation
import Yams

/// Reading a mapping file: YAML within limits (strangers' files), every mistake collected with its path and line.
extension EntityMapping {
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
                guard let spec = r.mapping(node, p, allowed: ["files", "records", "key", "firstMatch", "sideloads", "latestBy"]) else { continue }
                let d = Dictionary(spec, uniquingKeysWith: { a, _ in a })
                guard let key = d["key"].flatMap({ r.string($0, "\(p).key") }) else { r.fail(node, "\(p).key", "an index needs 'key'"); continue }
                var src = SourceSpec(files: [], records: d["records"].flatMap { r.string($0, "\(p).records") })
                src.groups = d["files"].map { patternGroups($0, path: "\(p).files", &r) } ?? []
                src.files = src.groups.flatMap { $0 }
                src.firstMatch = d["firstMatch"].flatMap { r.bool($0, "\(p).firstMatch") } ?? false
                src.sideloads = d["sideloads"].map { patternGroups($0, path: "\(p).sideloads", &r).flatMap { $0 } } ?? []
                checkPatterns(src.sideloads, node: node, path: "\(p).sideloads", &r)
                if src.files.isEmpty { r.fail(node, "\(p).files", "name at least one file") }
                checkPatterns(src.files, node: node, path: "\(p).files", &r)
                if !src.sideloads.isEmpty, src.records == nil { r.fail(node, "\(p).sideloads", "side-loads need 'records' (the key of the side-loaded array)") }
                var ix = IndexSpec(name: name, source: src, key: key)
                ix.latestBy = d["latestBy"].flatMap { r.strings($0, "\(p).latestBy") } ?? []
                indexes.append(ix)
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
        guard let sp = r.mapping(node, path, allowed: ["files", "records", "firstMatch", "sideloads"]) else { return source }
        for (k, v) in sp {
            switch k {
            case "files":
                source.groups = patternGroups(v, path: "\(path).files", &r)
                source.files = source.groups.flatMap { $0 }
            case "sideloads":
                source.sideloads = patternGroups(v, path: "\(path).sideloads", &r).flatMap { $0 }
                checkPatterns(source.sideloads, node: node, path: "\(path).sideloads", &r)
            case "firstMatch": source.firstMatch = r.bool(v, "\(path).firstMatch") ?? false
            default: source.records = r.string(v, "\(path).records")
            }
        }
        if source.files.isEmpty { r.fail(node, "\(path).files", "name at least one source file") }
        if !source.sideloads.isEmpty, source.records == nil { r.fail(node, "\(path).sideloads", "side-loads need 'records' (the key of the side-loaded array)") }
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
}
