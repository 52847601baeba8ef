import CStarHash

/// What a finished export file holds.
public struct WrittenFile: Sendable {
    public var path: String
    public var rows: Int
    public var bytes: Int
    /// Lower-case hex SHA-256 of the bytes written.
    public var sha256: String
}

/// Writes rows as CSV, a JSON array or NDJSON, streaming, atomically (a temporary file in the same folder,
/// renamed into place by `finish()`; `-` writes to stdout), counting rows and bytes and hashing as it goes.
public final class RecordFileWriter {
    public let format: ExportFormat
    let out: LineWriter
    let csv: CSVWriter?
    var hash = SHA256()
    public private(set) var rows = 0
    public private(set) var bytes = 0

    public init(path: String, format: ExportFormat, csv: CSVWriter? = nil) throws {
        self.format = format
        self.csv = csv
        out = try LineWriter(path: path, atomic: true)
        switch format {
        case .csv: try put((csv ?? CSVWriter(columns: [])).header())
        case .json: try put(Array("[".utf8))
        case .ndjson: break
        }
    }

    func put(_ b: [UInt8]) throws {
        hash.update(b)
        bytes += b.count
        try out.write(b)
    }

    public func write(_ row: JSONObject) throws {
        switch format {
        case .csv: try put((csv ?? CSVWriter(columns: row.keys)).row(for: row))
        case .json: try put(Array((rows == 0 ? "\n" : ",\n").utf8) + JSONSerializer.bytes(.object(row)))
        case .ndjson: try put(JSONSerializer.bytes(.object(row)) + [10])
        }
        rows += 1
    }

    /// Closes the array (JSON), flushes and moves the file into place.
    @discardableResult
    public func finish() throws -> WrittenFile {
        if format == .json { try put(Array((rows == 0 ? "]\n" : "\n]\n").utf8)) }
        try out.commit()
        return WrittenFile(path: out.path, rows: rows, bytes: bytes, sha256: hash.hexDigest())
    }

    /// Abandons the file: the temporary is removed, an earlier file at the path stays as it was.
    public func discard() { out.discard() }
}
