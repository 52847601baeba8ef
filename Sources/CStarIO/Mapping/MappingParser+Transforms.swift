import Yams

/// Reading a field rule's `transform:` list.
extension EntityMapping {
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
                let index = d["index"].flatMap({ r.string($0, "\(p).fieldValues.index") })
                let key = d["key"].flatMap({ r.strings($0, "\(p).fieldValues.key") }) ?? []
                if index != nil && key.isEmpty {
                    r.fail(f, "\(p).fieldValues", "fieldValues with an 'index' (definitions by id) needs 'key' (the definition field naming the cStar key)")
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
