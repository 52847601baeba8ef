/// A value a transform cannot handle; the record is rejected with this message.
struct TransformError: Error {
    let message: String
}

extension Mapper {
    static func apply(_ t: Transform, _ value: JSONValue) throws -> JSONValue {
        if case .array(let items) = value {
            switch t {
            case .join(let sep): return .string(items.compactMap(\.scalarText).joined(separator: sep))
            case .split, .map, .trim, .lower, .upper, .string, .number, .boolean, .nullIfEmpty, .truncate:
                // Element-wise on arrays (tags: [trim, lower]).
                return .array(try items.map { try apply(t, $0) })
            }
        }
        if value.isNull { return value }
        switch t {
        case .trim: return value.stringValue.map { .string($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? value
        case .lower: return value.stringValue.map { .string($0.lowercased()) } ?? value
        case .upper: return value.stringValue.map { .string($0.uppercased()) } ?? value
        case .string:
            guard let s = value.scalarText else { throw TransformError(message: "cannot turn a \(value.typeName) into a string") }
            return .string(s)
        case .number:
            if case .int = value { return value }
            if case .double = value { return value }
            let s = value.scalarText?.trimmingCharacters(in: .whitespaces) ?? ""
            if let i = Int64(s) { return .int(i) }
            if let d = Double(s), d.isFinite { return .double(d) }
            throw TransformError(message: "'\(value.scalarText ?? value.typeName)' is not a number")
        case .boolean:
            if case .bool = value { return value }
            switch value.scalarText?.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "yes", "y", "1", "on": return .bool(true)
            case "false", "no", "n", "0", "off", "": return .bool(false)
            default: throw TransformError(message: "'\(value.scalarText ?? value.typeName)' is not a yes/no value")
            }
        case .nullIfEmpty:
            if let s = value.stringValue, s.trimmingCharacters(in: .whitespaces).isEmpty { return .null }
            return value
        case .truncate(let n):
            guard let s = value.stringValue, s.count > n else { return value }
            return .string(String(s.prefix(n)))
        case .split(let sep):
            guard let s = value.stringValue else { return value }
            let parts = sep == " " ? s.split(whereSeparator: \.isWhitespace).map(String.init) : s.components(separatedBy: sep)
            return .array(parts.map { .string($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 != .string("") })
        case .join: return value
        case .map(let table, let fallback, let reject):
            guard let key = value.scalarText else { throw TransformError(message: "cannot look up a \(value.typeName) in a value map") }
            if let mapped = table[key] { return mapped }
            if reject { throw TransformError(message: "value '\(key)' is not in the mapping's value map (known: \(table.keys.sorted().joined(separator: ", ")))") }
            return fallback ?? value
        }
    }
}

extension Mapper {
    /// One transform on one value, as the mapper applies it (exposed for tests and `plan` samples).
    public static func applyForTesting(_ t: Transform, _ value: JSONValue) throws -> JSONValue { try apply(t, value) }
}
