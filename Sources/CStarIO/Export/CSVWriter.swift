/// RFC 4180 CSV output: fields with commas, quotes or line breaks are quoted, quotes doubled, rows end in CRLF.
/// The flattening is reversible; docs/export-format.md says how each cell reads back:
/// - strings as they are, numbers as JSON numbers, booleans `true`/`false`, null as an empty cell;
/// - arrays and objects (tags, metadata, …) as compact JSON text;
/// - declared custom fields (`customFieldTypes`) as `customFields.<key>` columns holding values of the field's
///   type (a string raw, other types as JSON text); every other custom-field value (undeclared key, null,
///   empty string, a value not of the declared type) stays in the `customFields` column as a JSON object, so
///   the two together give back the original object exactly.
public struct CSVWriter {
    public let columns: [String]
    /// Declared custom fields: key → cStar field type (text, number, select, multiselect, date, boolean).
    public let customFieldTypes: [String: String]
    /// Prefixes a quote mark to cells starting with = + - @, tab or CR (and, so the guard reads back, to cells
    /// that already start with a quote mark), so spreadsheets show them as text instead of running them.
    public var guardFormulas = false

    public init(columns: [String], customFieldTypes: [String: String] = [:], guardFormulas: Bool = false) {
        self.customFieldTypes = customFieldTypes
        self.columns = columns + customFieldTypes.keys.sorted().map { "customFields.\($0)" }
        self.guardFormulas = guardFormulas
    }

    public func header() -> [UInt8] { row(columns.map { .string($0) }) }

    public func row(for object: JSONObject) -> [UInt8] {
        guard !customFieldTypes.isEmpty else { return row(columns.map { object[$0] ?? .null }) }
        let custom = object["customFields"]?.objectValue ?? JSONObject()
        var rest = JSONObject()
        var declared: [String: JSONValue] = [:]
        for (k, v) in custom.pairs {
            if let t = customFieldTypes[k], Self.fits(v, type: t) { declared[k] = v } else { rest[k] = v }
        }
        return row(columns.map { c in
            if c == "customFields" {
                if case .object? = object["customFields"] { return .object(rest) }
                return object["customFields"] ?? .null
            }
            if c.hasPrefix("customFields."), let v = declared[String(c.dropFirst("customFields.".count))] { return v }
            if c.hasPrefix("customFields.") { return .null }
            return object[c] ?? .null
        })
    }

    /// A value the `customFields.<key>` column can carry unambiguously for the field's type.
    static func fits(_ v: JSONValue, type: String) -> Bool {
        switch (type, v) {
        case ("text", .string(let s)), ("select", .string(let s)), ("date", .string(let s)): return !s.isEmpty
        case ("number", .int), ("number", .double): return true
        case ("boolean", .bool): return true
        case ("multiselect", .array): return true
        default: return false
        }
    }

    func row(_ values: [JSONValue]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(44) }
            appendCell(Self.text(v), to: &out)
        }
        out.append(contentsOf: [13, 10])
        return out
    }

    public static func text(_ v: JSONValue) -> String {
        switch v {
        case .null: return ""
        case .array, .object: return JSONSerializer.string(v)
        default: return v.scalarText ?? ""
        }
    }

    /// First characters a spreadsheet may run as a formula (OWASP's list), plus the guard's own quote mark.
    /// Unicode scalars, not Characters: "\r\n" is one Character and would slip past a Character test.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r", "'"]

    /// A cell whose first character, or first one after leading spaces and line breaks (which spreadsheets skip),
    /// could start a formula.
    static func mayRunAsFormula(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first else { return false }
        if formulaStarts.contains(first) { return true }
        guard first.properties.isWhitespace else { return false }
        return s.unicodeScalars.first { !$0.properties.isWhitespace }.map { formulaStarts.contains($0) } ?? false
    }

    func appendCell(_ raw: String, to out: inout [UInt8]) {
        var s = raw
        if guardFormulas, Self.mayRunAsFormula(s) { s = "'" + s }
        let needsQuotes = s.utf8.contains { (b: UInt8) -> Bool in b == 44 || b == 34 || b == 10 || b == 13 }
        if !needsQuotes { out.append(contentsOf: s.utf8); return }
        out.append(34)
        for b in s.utf8 {
            if b == 34 { out.append(34) }
            out.append(b)
        }
        out.append(34)
    }
}
