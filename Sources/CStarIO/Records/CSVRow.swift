/// The column names of one CSV file, shared by all its rows, with what the rows need to be read by name and
/// written as JSON without per-row work.
final class CSVColumns: Sendable {
    let names: [String]
    /// Column index by name (names are unique: the reader renames duplicates).
    let index: [String: Int]
    /// `"name":` as JSON for every column, back to back; `keyEnds[i]` is where column i's bytes end.
    let keyJSON: [UInt8]
    let keyEnds: [Int]
    /// Column index by loose name (case, spaces and underscores ignored: `Requester email` = `requester_email`),
    /// for mappings written against a header that differs only in those.
    let looseIndex: [String: Int]

    /// `Requester Email ` → `requesteremail`.
    static func loose(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { !$0.properties.isWhitespace && $0 != "_" && $0 != "-" })
    }

    init(_ names: [String]) {
        self.names = names
        var loose: [String: Int] = [:]
        for (i, name) in names.enumerated() where loose[Self.loose(name)] == nil { loose[Self.loose(name)] = i }
        looseIndex = loose
        var index: [String: Int] = [:]
        var keyJSON: [UInt8] = []
        var keyEnds: [Int] = []
        for (i, name) in names.enumerated() {
            if index[name] == nil { index[name] = i }
            JSONSerializer.writeString(name, to: &keyJSON)
            keyJSON.append(58)
            keyEnds.append(keyJSON.count)
        }
        self.index = index
        self.keyJSON = keyJSON
        self.keyEnds = keyEnds
    }
}

/// One CSV row in a single allocation: the end offset of every field, then the fields' bytes back to back
/// (quotes undone, valid UTF-8). Strings are made only for the fields someone reads, so a row costs one
/// allocation instead of one per field, and `read` copies the bytes straight into its NDJSON output.
final class CSVRow: ManagedBuffer<CSVRow.Header, UInt8> {
    struct Header {
        let columns: CSVColumns
        let count: Int
    }

    /// Field ends are `Int`s stored unaligned at the start of the tail; the bytes follow them.
    static let endSize = MemoryLayout<Int>.size
    /// Bytes after the last field, so that eight-byte loads from any field stay inside the allocation.
    static let slack = 8

    /// A row of `byteCount` bytes: `fill` writes the bytes and stores each field's end offset (into the
    /// bytes) at `ends + i * endSize`.
    @inline(__always)
    static func make(columns: CSVColumns, byteCount: Int, fill: (_ ends: UnsafeMutableRawPointer, _ bytes: UnsafeMutablePointer<UInt8>) -> Void) -> CSVRow {
        let n = columns.names.count
        let buffer = CSVRow.create(minimumCapacity: n * endSize + byteCount + slack) { _ in Header(columns: columns, count: n) }
        let row = unsafeDowncast(buffer, to: CSVRow.self)
        row.withUnsafeMutablePointerToElements { base in
            (base + n * endSize + byteCount).initialize(repeating: 0, count: slack)
            fill(UnsafeMutableRawPointer(base), base + n * endSize)
        }
        return row
    }

    /// A row from one string per column.
    static func make(columns: CSVColumns, strings: [String]) -> CSVRow {
        let total = strings.reduce(0) { $0 + $1.utf8.count }
        return make(columns: columns, byteCount: total) { ends, bytes in
            var at = 0
            for (i, s) in strings.enumerated() {
                for b in s.utf8 { bytes[at] = b; at += 1 }
                ends.storeBytes(of: at, toByteOffset: i * endSize, as: Int.self)
            }
        }
    }

    var columns: CSVColumns { header.columns }

    /// The field ends, the bytes and the field count.
    @inline(__always)
    func withStorage<R>(_ body: (_ ends: UnsafeRawPointer, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> R) -> R {
        let n = header.count
        return withUnsafeMutablePointerToElements { base in body(UnsafeRawPointer(base), UnsafePointer(base) + n * Self.endSize, n) }
    }

    /// Field `i` of a row's storage (see `withStorage`).
    @inline(__always)
    static func field(_ i: Int, ends: UnsafeRawPointer, bytes: UnsafePointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let start = i == 0 ? 0 : ends.loadUnaligned(fromByteOffset: (i - 1) * endSize, as: Int.self)
        let end = ends.loadUnaligned(fromByteOffset: i * endSize, as: Int.self)
        return UnsafeBufferPointer(start: bytes + start, count: end - start)
    }

    func string(at i: Int) -> String {
        withStorage { ends, bytes, _ in String(decoding: Self.field(i, ends: ends, bytes: bytes), as: UTF8.self) }
    }

    /// The row as an object keyed by column (the keys array is shared by all rows of the file).
    var object: JSONObject {
        let values = withStorage { ends, bytes, n in
            (0..<n).map { JSONValue.string(String(decoding: Self.field($0, ends: ends, bytes: bytes), as: UTF8.self)) }
        }
        return JSONObject(keys: columns.names, values: values)
    }
}
