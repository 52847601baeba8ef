import Foundation

/// The part of JSON Schema (2020-12) that docs/cli-json.schema.json uses: type, enum, const, required, properties,
/// items, minimum, minLength, oneOf, allOf, not. Returns the problems, empty when the value fits.
struct JSONSchemaCheck {
    let schema: [String: Any]

    static func load(_ path: String) throws -> JSONSchemaCheck {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return JSONSchemaCheck(schema: try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:])
    }

    func problems(_ value: Any) -> [String] { check(value, schema, "$") }

    static func kind(_ v: Any) -> String {
        if v is NSNull { return "null" }
        if v is String { return "string" }
        if v is [Any] { return "array" }
        if v is [String: Any] { return "object" }
        if type(of: v) == Bool.self { return "boolean" }
        if let n = v as? NSNumber {
            if String(cString: n.objCType) == "c" { return "boolean" }
            return n.doubleValue == n.doubleValue.rounded() ? "integer" : "number"
        }
        return "unknown"
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        let (ka, kb) = (kind(a), kind(b))
        guard ka == kb || (["integer", "number"].contains(ka) && ["integer", "number"].contains(kb)) else { return false }
        switch ka {
        case "string": return a as? String == b as? String
        case "integer", "number": return (a as? NSNumber)?.doubleValue == (b as? NSNumber)?.doubleValue
        case "boolean": return (a as? Bool) == (b as? Bool)
        case "null": return true
        default: return false
        }
    }

    func check(_ v: Any, _ s: [String: Any], _ path: String) -> [String] {
        var out: [String] = []
        let k = Self.kind(v)
        if let t = s["type"] {
            let allowed = (t as? [String]) ?? [(t as? String) ?? ""]
            if !(allowed.contains(k) || (k == "integer" && allowed.contains("number"))) { out.append("\(path): \(k), expected \(allowed.joined(separator: "|"))") }
        }
        if let e = s["enum"] as? [Any], !e.contains(where: { Self.equal($0, v) }) { out.append("\(path): \(v) not in \(e)") }
        if let c = s["const"], !Self.equal(c, v) { out.append("\(path): \(v) is not \(c)") }
        if let n = s["minimum"] as? NSNumber, let x = v as? NSNumber, k != "boolean", x.doubleValue < n.doubleValue { out.append("\(path): \(x) < \(n)") }
        if let n = s["minLength"] as? Int, let x = v as? String, x.count < n { out.append("\(path): shorter than \(n)") }
        if let o = v as? [String: Any] {
            for r in (s["required"] as? [String]) ?? [] where o[r] == nil { out.append("\(path): no \(r)") }
            for (name, sub) in (s["properties"] as? [String: Any]) ?? [:] {
                if let value = o[name], let sub = sub as? [String: Any] { out += check(value, sub, "\(path).\(name)") }
            }
        }
        if let a = v as? [Any], let items = s["items"] as? [String: Any] {
            for (i, x) in a.enumerated() { out += check(x, items, "\(path)[\(i)]") }
        }
        for sub in (s["allOf"] as? [[String: Any]]) ?? [] { out += check(v, sub, path) }
        if let subs = s["oneOf"] as? [[String: Any]] {
            let fits = subs.filter { check(v, $0, path).isEmpty }.count
            if fits != 1 { out.append("\(path): fits \(fits) of the oneOf cases, not exactly one") }
        }
        if let not = s["not"] as? [String: Any], check(v, not, path).isEmpty { out.append("\(path): matches a 'not' schema") }
        return out
    }
}
