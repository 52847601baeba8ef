/// RFC 4180 CSV output: fields with commas, quotes or line breaks are quoted, quotes doubled, rows end in CRLF.
/// Arrays and objects are written as compact JSON text, so they read back losslessly.
public struct CSVWriter {
    public let columns: [String]
    /// Prefixes cells starting with = + - @ (and tab/CR) with a quote mark so spreadsheets do not run them.
    public var guardFormulas = false

    public init(columns: [String], guardFormulas: Bool = false) {
        self.columns = columns
        self.guardFormulas = guardFormulas
    }

    public func header() -> [UInt8] { row(columns.map { .string($0) }) }

    public func row(for object: JSONObject) -> [UInt8] { row(columns.map { object[$0] ?? .null }) }

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

    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    func appendCell(_ raw: String, to out: inout [UInt8]) {
        var s = raw
        if guardFormulas, let f = s.first, Self.formulaStarts.contains(f) { s = "'" + s }
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
