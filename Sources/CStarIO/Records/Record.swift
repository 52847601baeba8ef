/// One source record: a JSON object (CSV rows become objects keyed by header) and its location.
public struct Record: Sendable {
    /// A CSV row stays as its bytes until a field is read, and so does a JSON record read for printing
    /// (`ReaderOptions.lazyJSON`); everything else is an object. Unchecked because `ManagedBuffer` is not
    /// Sendable: a `CSVRow` or `JSONRow` is never written after the reader made it.
    enum Storage: @unchecked Sendable {
        case object(JSONObject)
        case csv(CSVRow)
        case json(JSONRow)
    }

    var storage: Storage
    public var location: SourceLocation

    public init(fields: JSONObject, location: SourceLocation) {
        storage = .object(fields)
        self.location = location
    }

    init(csv row: CSVRow, location: SourceLocation) {
        storage = .csv(row)
        self.location = location
    }

    init(json row: JSONRow, location: SourceLocation) {
        storage = .json(row)
        self.location = location
    }

    /// Column names when the record is a CSV row (nil for JSON records).
    public var csvColumns: [String]? {
        if case .csv(let row) = storage { return row.columns.names }
        return nil
    }

    /// The record as an object (for a CSV row: every field as a string, keyed by column).
    public var fields: JSONObject {
        get {
            switch storage {
            case .object(let o): return o
            case .csv(let row): return row.object
            case .json(let row): return row.object
            }
        }
        set { storage = .object(newValue) }
    }

    /// Value at a field path: an exact key first (CSV headers may hold dots, spaces and brackets, such as
    /// `Plan [list]`), then a dot path into nested objects (`user_fields.loyalty_tier`). A numeric segment
    /// indexes an array; `name[key=value]` picks the element of the array `name` whose `key` is `value`
    /// (`custom_fields[id=360002222].value`).
    public func value(at path: String) -> JSONValue? {
        switch storage {
        case .object(let fields):
            if let v = fields[path] { return v }
            guard path.contains(".") || path.contains("[") else { return nil }
            return Self.value(in: .object(fields), path: path)
        case .csv(let row):
            if let i = row.columns.index[path] ?? row.columns.looseIndex[CSVColumns.loose(path)] { return .string(row.string(at: i)) }
            // CSV values are flat strings, but a dot path reads the same as on any object ("subject." is "subject").
            guard path.contains(".") || path.contains("[") else { return nil }
            return Self.value(in: .object(row.object), path: path)
        case .json(let row):
            if let v = row.value(forKey: path) { return v }
            guard path.contains(".") || path.contains("[") else { return nil }
            return Self.value(in: .object(row.object), path: path)
        }
    }

    static func value(in root: JSONValue, path: String) -> JSONValue? {
        var current = root
        for rawSegment in path.split(separator: ".", omittingEmptySubsequences: false) {
            var segment = Substring(rawSegment)
            var selector: (key: String, value: String)?
            if segment.hasSuffix("]"), let open = segment.firstIndex(of: "["),
               let eq = segment[open...].firstIndex(of: "=") {
                selector = (String(segment[segment.index(after: open)..<eq]),
                            String(segment[segment.index(after: eq)..<segment.index(before: segment.endIndex)]))
                segment = segment[..<open]
            }
            if !segment.isEmpty {
                switch current {
                case .object(let o):
                    guard let next = o[String(segment)] else { return nil }
                    current = next
                case .array(let a):
                    if let i = Int(segment) {
                        guard a.indices.contains(i) else { return nil }
                        current = a[i]
                    } else {
                        // A name on a list of objects plucks that field from each (`options.value`).
                        current = .array(a.compactMap { $0[String(segment)] })
                    }
                default:
                    return nil
                }
            }
            if let (k, v) = selector {
                guard case .array(let items) = current,
                      let hit = items.first(where: { $0[k]?.scalarText == v }) else { return nil }
                current = hit
            }
        }
        return current
    }
}

/// One step of a record stream.
public enum ReadItem: Sendable {
    case record(Record)
    /// A source record that could not be read (a bad NDJSON line, a ragged CSV row). It counts as read and
    /// rejected; reading goes on.
    case problem(ReaderError)
    /// Something worth telling that loses no record (a renamed duplicate CSV header).
    case warning(ReaderError)
}

/// A pull-based stream of records. `next()` returns nil at the end; recoverable problems come as items,
/// an unrecoverable one (unreadable file, broken JSON document) throws a `ReaderError`.
public protocol RecordReader {
    mutating func next() throws -> ReadItem?
}
