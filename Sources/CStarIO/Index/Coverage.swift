import Foundation

/// What of an export a mapping reads and leaves behind, counted by `plan` and `validate`: source fields present
/// in the records that no rule reads (with how many records have a value), and fields the mapping reads that no
/// record has (a typo, or a column the export does not carry).
public struct Coverage: Sendable, Equatable {
    /// A source field and the number of records holding a non-empty value in it.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var records: Int
        public init(name: String, records: Int) {
            self.name = name
            self.records = records
        }
    }

    /// Top-level source fields with values that the mapping does not read, most used first.
    public var notRead: [Field] = []
    /// The same for child records (a ticket's comments), under the child's payload field.
    public var childNotRead: [String: [Field]] = [:]
    /// Rules whose source fields no record has: `field ← source`, with the file's own fields for the message.
    public var missing: [String] = []
    /// The fields the records do have (CSV headers or JSON keys seen), for the message about `missing`.
    public var available: [String] = []
    /// Records and child records looked at.
    public var records = 0

    public var json: JSONValue {
        func list(_ fields: [Field]) -> JSONValue {
            .array(fields.map { .object(JSONObject([("field", .string($0.name)), ("records", .int(Int64($0.records)))])) })
        }
        return .object(JSONObject([
            ("notRead", list(notRead)),
            ("childNotRead", .object(JSONObject(childNotRead.sorted { $0.key < $1.key }.map { ($0.key, list($0.value)) }))),
            ("missing", .array(missing.map { .string($0) })),
            ("available", .array(available.map { .string($0) })),
        ]))
    }
}

/// Counts source fields as records pass, for one entity.
struct CoverageCounter {
    let mapping: EntityMapping
    private let read: Set<String>
    private let columnPatterns: [SourceFiles.ComponentPattern]
    private let childRead: [String: Set<String>]
    private var seen: [String: Int] = [:]
    private var seenOrder: [String] = []
    private var childSeen: [String: [String: Int]] = [:]
    private var records = 0

    init(_ mapping: EntityMapping) {
        self.mapping = mapping
        var read = Set<String>()
        func add(_ path: String, to set: inout Set<String>) {
            set.insert(path)
            set.insert(FieldRule.head(path))
            set.insert(CSVColumns.loose(path))
        }
        func rulePaths(_ rules: [FieldRule], into set: inout Set<String>) {
            for rule in rules {
                for s in rule.sources { add(s, to: &set) }
                var texts: [String] = []
                if case .string(let d)? = rule.defaultValue { texts.append(d) }
                for t in rule.transforms {
                    switch t {
                    case .template(let x), .append(let x): texts.append(x)
                    case .coalesce(let paths): paths.forEach { add($0, to: &set) }
                    case .appendList(let from, _, _, _): add(from, to: &set)
                    case .appendMapped(let from, _): add(from, to: &set)
                    default: break
                    }
                }
                for text in texts { for p in Self.placeholders(text) where p != "value" { add(p, to: &set) } }
            }
        }
        add(mapping.key, to: &read)
        for i in mapping.ignore { add(i, to: &read) }
        if let l = mapping.latestBy { add(l, to: &read) }
        for l in mapping.latestTieBreak { add(l, to: &read) }
        for c in mapping.conditions { add(c.field, to: &read) }
        rulePaths(mapping.fields, into: &read)
        var childRead: [String: Set<String>] = [:]
        for child in mapping.children {
            if let i = child.inline { add(i, to: &read) }
            rulePaths(child.whenNone ?? [], into: &read)
            var set = Set<String>()
            for i in mapping.ignore where i.hasPrefix(child.target + ".") { add(String(i.dropFirst(child.target.count + 1)), to: &set) }
            if let k = child.key { add(k, to: &set) }
            for o in child.order { add(o, to: &set) }
            for c in child.conditions { add(c.field, to: &set) }
            rulePaths(child.leading ?? [], into: &read)
            for s in child.sources {
                add(s.parentKey, to: &set)
                if let u = s.unnest { add(u, to: &set) }
                for c in s.conditions { add(c.field, to: &set) }
            }
            rulePaths(child.fields, into: &set)
            childRead[child.target] = set
        }
        self.read = read
        self.childRead = childRead
        columnPatterns = mapping.fields.compactMap(\.columns)
    }


    static func placeholders(_ text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return out
    }

    mutating func count(_ record: Record) {
        records += 1
        if let columns = record.csvColumns {
            for c in columns {
                if seen[c] == nil { seen[c] = 0; seenOrder.append(c) }
                if let v = record.value(at: c), !Mapper.isEmpty(v) { seen[c]! += 1 }
            }
            return
        }
        let o = record.fields
        for (k, v) in zip(o.keys, o.values) {
            if seen[k] == nil { seen[k] = 0; seenOrder.append(k) }
            if !Mapper.isEmpty(v) && v != .array([]) { seen[k]! += 1 }
        }
    }

    mutating func countChild(_ target: String, _ record: Record) {
        let o = record.fields
        for (k, v) in zip(o.keys, o.values) where !Mapper.isEmpty(v) && v != .array([]) {
            childSeen[target, default: [:]][k, default: 0] += 1
        }
    }

    func isRead(_ key: String, _ set: Set<String>) -> Bool {
        set.contains(key) || set.contains(CSVColumns.loose(key))
    }

    var result: Coverage {
        var c = Coverage()
        c.records = records
        c.available = seenOrder
        c.notRead = seenOrder.filter { k in !isRead(k, read) && seen[k]! > 0 && !columnPatterns.contains { $0.match(k) != nil } }
            .map { Coverage.Field(name: $0, records: seen[$0]!) }
            .sorted { $0.records != $1.records ? $0.records > $1.records : $0.name < $1.name }
        for (target, keys) in childSeen {
            let unread = keys.filter { !isRead($0.key, childRead[target] ?? []) }
            if !unread.isEmpty {
                c.childNotRead[target] = unread.map { Coverage.Field(name: $0.key, records: $0.value) }
                    .sorted { $0.records != $1.records ? $0.records > $1.records : $0.name < $1.name }
            }
        }
        guard records > 0 else { return c }
        let present = Set(seenOrder.flatMap { [$0, CSVColumns.loose($0)] })
        for rule in mapping.fields where !rule.optional && rule.constant == nil && rule.columns == nil && !rule.sources.isEmpty {
            let has = rule.sources.contains { present.contains($0) || present.contains(FieldRule.head($0)) || present.contains(CSVColumns.loose($0)) }
            if !has {
                c.missing.append("\(rule.target) ← \(rule.sources.map { "'\($0)'" }.joined(separator: " or ")) (\(mapping.file):\(rule.line))")
            }
        }
        return c
    }
}

/// Before a migration sends anything: rules that read a field the first records of their files do not have (a
/// typo in a copied mapping, a column a CSV view does not carry). `plan` and `validate` check every record; this
/// checks the first `sample` records of each entity, so a mistake is caught before it costs data.
public enum Preflight {
    public static func missingFields(_ mappings: [EntityMapping], in directory: String, sample: Int = 200) -> [String] {
        let withFiles = Set(mappings.filter { !SourceFiles.ownMatches($0.source, in: directory).isEmpty }.map(\.entity))
        var problems: [String] = []
        for m in mappings where withFiles.contains(m.entity) {
            if m.supersededBy(withFiles: withFiles, in: mappings) != nil { continue }
            let files = SourceFiles.matches(m.source, in: directory)
            var reader = MultiFileReader(files: files, options: ReaderOptions(records: m.source.records))
            var counter = CoverageCounter(m)
            var n = 0
            while n < sample, let item = try? reader.next() {
                guard case .record(let r) = item else { continue }
                counter.count(r)
                n += 1
            }
            let c = counter.result
            guard !c.missing.isEmpty else { continue }
            let names = files.map { ($0.path as NSString).lastPathComponent }.prefix(3).joined(separator: ", ")
            for missing in c.missing {
                problems.append("\(m.entity): \(missing) reads a field that none of the first \(n) records of \(names) has (they have: \(c.available.prefix(40).joined(separator: ", ")))")
            }
        }
        return problems
    }
}
