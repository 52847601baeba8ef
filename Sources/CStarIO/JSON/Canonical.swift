/// Canonical JSON: object keys sorted, no spaces. Equal values give equal text (grouping, hashing).
public enum Canonical {
    public static func json(_ v: JSONValue) -> String { JSONSerializer.string(sorted(v)) }

    public static func sorted(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o):
            return .object(JSONObject(o.pairs.sorted { $0.0 < $1.0 }.map { ($0.0, sorted($0.1)) }))
        case .array(let a):
            return .array(a.map(sorted))
        default:
            return v
        }
    }
}
