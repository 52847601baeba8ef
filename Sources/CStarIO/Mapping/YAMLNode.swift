import Yams

/// Strict reading of a YAML mapping file: every key is checked, every error names file:line:column and the key path.
struct YAMLReader {
    let file: String
    var errors: [MappingError] = []

    mutating func fail(_ node: Node?, _ key: String, _ message: String) {
        errors.append(MappingError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, key: key, message: message))
    }

    /// The pairs of a mapping node; records an error for anything else or for keys outside `allowed`.
    mutating func mapping(_ node: Node, _ path: String, allowed: Set<String>? = nil) -> [(String, Node)]? {
        guard case .mapping(let m) = node else {
            fail(node, path, "expected a mapping (key: value lines), found \(kind(node))")
            return nil
        }
        var out: [(String, Node)] = []
        for (k, v) in m {
            guard let key = k.scalar?.string else { fail(k, path, "keys must be plain strings"); continue }
            if let allowed, !allowed.contains(key) {
                let suggestion = allowed.min(by: { Self.distance($0, key) < Self.distance($1, key) })
                let hint = suggestion.map { Self.distance($0, key) <= 3 ? " (did you mean '\($0)'?)" : "" } ?? ""
                fail(k, join(path, key), "unknown key '\(key)'\(hint); allowed here: \(allowed.sorted().joined(separator: ", "))")
                continue
            }
            out.append((key, v))
        }
        return out
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        guard case .scalar(let s) = node else { fail(node, path, "expected a string, found \(kind(node))"); return nil }
        return s.string
    }

    mutating func bool(_ node: Node, _ path: String) -> Bool? {
        guard let b = node.bool else { fail(node, path, "expected true or false, found \(describe(node))"); return nil }
        return b
    }

    mutating func int(_ node: Node, _ path: String) -> Int? {
        guard let i = node.int else { fail(node, path, "expected a whole number, found \(describe(node))"); return nil }
        return i
    }

    /// A string or a list of strings.
    mutating func strings(_ node: Node, _ path: String) -> [String]? {
        if case .scalar(let s) = node { return [s.string] }
        guard case .sequence(let seq) = node else { fail(node, path, "expected a string or a list of strings, found \(kind(node))"); return nil }
        var out: [String] = []
        for (i, item) in seq.enumerated() {
            guard let s = string(item, "\(path)[\(i)]") else { return nil }
            out.append(s)
        }
        return out
    }

    /// A YAML scalar or structure as a JSON value (for constants, defaults and enum maps).
    func json(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                if node.null != nil { return .null }
                if let b = node.bool { return .bool(b) }
                if let i = node.int { return .int(Int64(i)) }
                if let d = node.float { return .double(d) }
            }
            return .string(s.string)
        case .sequence(let seq): return .array(seq.map(json))
        case .mapping(let m):
            var o = JSONObject()
            for (k, v) in m { o[k.scalar?.string ?? ""] = json(v) }
            return .object(o)
        case .alias: return .null
        }
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func describe(_ node: Node) -> String { kind(node) }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
