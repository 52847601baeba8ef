import Foundation

/// How the CSV reader treats rows and bytes it cannot take as they are.
public struct CSVOptions: Sendable {
    public enum RowPolicy: String, Sendable, CaseIterable {
        /// The row becomes a problem item (a reject) and reading goes on.
        case reject
        /// Reading stops with an error.
        case stop
    }

    public enum UTF8Policy: String, Sendable, CaseIterable {
        case reject
        /// Invalid bytes become U+FFFD.
        case replace
    }

    /// nil: sniffed from the header row among `,` `;` tab `|`.
    public var delimiter: UInt8?
    public var badRows: RowPolicy = .reject
    public var invalidUTF8: UTF8Policy = .reject

    public init(delimiter: UInt8? = nil, badRows: RowPolicy = .reject, invalidUTF8: UTF8Policy = .reject) {
        self.delimiter = delimiter
        self.badRows = badRows
        self.invalidUTF8 = invalidUTF8
    }
}

/// Streams the rows of a CSV file as records keyed by the header row: RFC 4180 plus what real exports do
/// (BOM, CR/LF/CRLF, quoted delimiters and line breaks, doubled quotes, very large fields). Memory holds one
/// row at a time. Values are strings.
public struct CSVRecordReader: RecordReader {
    let file: String
    let source: ByteSource
    let options: CSVOptions
    public private(set) var delimiter: UInt8
    public var header: [String]? { columns?.names }
    private var columns: CSVColumns?
    private var line = 1
    private var index = 0
    private var pending: [ReadItem] = []
    private var spans: [Span] = []
    private var scratch: [UInt8] = []

    struct Span {
        var start: Int
        var end: Int
        var doubledQuotes: Bool
    }

    enum Scan {
        case row(end: Int, breaks: Int)
        case blank(end: Int, breaks: Int)
        case needMore
        case bad(end: Int, breaks: Int, message: String)
    }

    public init(path: String, options: CSVOptions = CSVOptions(), progress: ReadProgress? = nil) throws {
        file = path
        source = try ByteSource(path: path)
        source.progress = progress
        self.options = options
        if try source.ensure() {
            while source.end - source.pos < 3, try source.refill(keepingFrom: source.pos), !source.eof {}
            if source.end - source.pos >= 3, source.buffer[source.pos] == 0xEF, source.buffer[source.pos + 1] == 0xBB, source.buffer[source.pos + 2] == 0xBF {
                source.pos += 3
            }
        }
        delimiter = try options.delimiter ?? Self.sniff(source)
    }

    /// The candidate that occurs most often outside quotes in the first row (comma on a tie or none).
    static func sniff(_ source: ByteSource) throws -> UInt8 {
        var counts: [UInt8: Int] = [44: 0, 59: 0, 9: 0, 124: 0]
        var inQuotes = false
        var i = source.pos
        while true {
            if i >= source.end {
                guard !source.eof, source.end - source.pos < 4 << 20 else { break }
                let offset = i - source.pos
                _ = try source.refill(keepingFrom: source.pos)
                i = source.pos + offset
                if i >= source.end { break }
            }
            let c = source.buffer[i]
            if c == 34 { inQuotes.toggle() }
            else if !inQuotes {
                if c == 10 || c == 13 { break }
                if counts[c] != nil { counts[c]! += 1 }
            }
            i += 1
        }
        let best = counts.max { a, b in a.value != b.value ? a.value < b.value : a.key != 44 }!
        return best.value > 0 ? best.key : 44
    }

    public mutating func next() throws -> ReadItem? {
        while true {
            if !pending.isEmpty { return pending.removeFirst() }
            guard try source.ensure() else { return nil }
            let startLine = line
            switch scanRow() {
            case .needMore:
                if !(try source.refill(keepingFrom: source.pos)) {
                    // Cannot happen: scanRow treats the buffer end as end of input once eof is set.
                    return nil
                }
                continue
            case .blank(let end, let breaks):
                source.pos = end
                line += breaks
                continue
            case .bad(let end, let breaks, let message):
                source.pos = end
                line += breaks
                index += 1
                let e = ReaderError(file: file, line: startLine, message: message)
                if options.badRows == .stop { throw e }
                if columns == nil { throw ReaderError(file: file, line: startLine, message: "the header row is malformed: \(message)") }
                return .problem(e)
            case .row(let end, let breaks):
                guard let columns else {
                    let values = makeValues()
                    source.pos = end
                    line += breaks
                    try setHeader(values, line: startLine)
                    continue
                }
                let row = spans.count == columns.names.count ? makeRow(columns) : nil
                // Why a row was refused: invalid UTF-8 is named first, as it may also explain a wrong count.
                var refusal: String?
                if row == nil, case .invalidUTF8 = makeValues() {
                    refusal = "invalid UTF-8 in this row (use --invalid-utf8 replace to read it with U+FFFD)"
                } else if row == nil {
                    refusal = "row has \(spans.count) field\(spans.count == 1 ? "" : "s"), the header has \(columns.names.count) (a missing or extra delimiter, or an unquoted line break?)"
                }
                source.pos = end
                line += breaks
                index += 1
                guard let row else {
                    let e = ReaderError(file: file, line: startLine, message: refusal ?? "")
                    if options.badRows == .stop { throw e }
                    return .problem(e)
                }
                return .record(Record(csv: row, location: SourceLocation(file: file, line: startLine, index: index)))
            }
        }
    }

    /// The row of the scanned spans (one per column) in one allocation: fields unquoted, UTF-8 checked.
    /// nil when a field is not valid UTF-8 and the policy is to reject.
    private mutating func makeRow(_ columns: CSVColumns) -> CSVRow? {
        var total = 0
        for s in spans { total += s.end - s.start }
        var valid = true
        let row = source.buffer.withUnsafeBufferPointer { b in
            CSVRow.make(columns: columns, byteCount: total) { ends, bytes in
                var at = 0
                for (i, s) in spans.enumerated() {
                    if s.doubledQuotes {
                        var j = s.start
                        while j < s.end {
                            bytes[at] = b[j]
                            at += 1
                            j += (b[j] == 34 && j + 1 < s.end && b[j + 1] == 34) ? 2 : 1
                        }
                    } else {
                        let n = s.end - s.start
                        if n > 0 { (bytes + at).update(from: b.baseAddress! + s.start, count: n) }
                        at += n
                    }
                    ends.storeBytes(of: at, toByteOffset: i * CSVRow.endSize, as: Int.self)
                }
                // Undone doubled quotes leave bytes unused before the slack; eight-byte loads may read them.
                (bytes + at).initialize(repeating: 0, count: total - at)
                // Validated per field (a sequence must not straddle two), and only when some byte is not ASCII.
                guard SWAR.anyNonASCII(bytes, count: at) else { return }
                for i in spans.indices where !UTF8Text.isValid(CSVRow.field(i, ends: ends, bytes: bytes)) {
                    valid = false
                    return
                }
            }
        }
        if valid { return row }
        guard options.invalidUTF8 == .replace, case .ok(let strings) = makeValues() else { return nil }
        return CSVRow.make(columns: columns, strings: strings.map { $0.stringValue ?? "" })
    }

    enum Values { case ok([JSONValue]), invalidUTF8 }

    private mutating func setHeader(_ values: Values, line: Int) throws {
        guard case .ok(let names) = values else { throw ReaderError(file: file, line: line, message: "the header row is not valid UTF-8") }
        var seen: [String: Int] = [:]
        var out: [String] = []
        for (i, value) in names.enumerated() {
            var name = (value.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if name.isEmpty {
                name = "column_\(i + 1)"
                pending.append(.warning(ReaderError(file: file, line: line, message: "column \(i + 1) has no name; it is read as '\(name)'")))
            }
            if let first = seen[name] {
                var n = 2
                while seen["\(name)_\(n)"] != nil { n += 1 }
                let renamed = "\(name)_\(n)"
                pending.append(.warning(ReaderError(file: file, line: line, message: "duplicate column name '\(name)' (columns \(first + 1) and \(i + 1)); column \(i + 1) is read as '\(renamed)'")))
                name = renamed
            }
            seen[name] = i
            out.append(name)
        }
        columns = CSVColumns(out)
    }

    private mutating func makeValues() -> Values {
        var out: [JSONValue] = []
        out.reserveCapacity(spans.count)
        let replace = options.invalidUTF8 == .replace
        var invalid = false
        source.buffer.withUnsafeBufferPointer { b in
            for s in spans {
                if s.doubledQuotes {
                    scratch.removeAll(keepingCapacity: true)
                    var i = s.start
                    while i < s.end {
                        scratch.append(b[i])
                        i += (b[i] == 34 && i + 1 < s.end && b[i + 1] == 34) ? 2 : 1
                    }
                    let str = scratch.withUnsafeBufferPointer { Self.string($0, replace: replace) }
                    if let str { out.append(.string(str)) } else { invalid = true }
                    continue
                }
                if let str = Self.string(UnsafeBufferPointer(rebasing: b[s.start..<s.end]), replace: replace) {
                    out.append(.string(str))
                } else {
                    invalid = true
                }
            }
        }
        return invalid ? .invalidUTF8 : .ok(out)
    }

    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, replace: Bool) -> String? {
        replace ? UTF8Text.repairing(bytes) : UTF8Text.string(bytes)
    }

    /// Scans one row from `source.pos`, filling `spans`. Line breaks inside quotes and the row end are counted.
    private mutating func scanRow() -> Scan {
        let eof = source.eof
        let delim = delimiter
        spans.removeAll(keepingCapacity: true)
        return source.buffer.withUnsafeBufferPointer { b -> Scan in
            let n = source.end
            var i = source.pos
            var breaks = 0
            // A row end at i: consume CR, LF or CRLF. Returns nil when a CR sits at the buffer's end.
            func rowEnd(_ i: Int) -> Int? {
                if b[i] == 10 { return i + 1 }
                if i + 1 >= n { return eof ? i + 1 : nil }
                return b[i + 1] == 10 ? i + 2 : i + 1
            }
            // Skip to the end of the physical line, to resynchronise after a malformed row.
            func skipLine(_ from: Int, _ message: String) -> Scan {
                var j = from
                while j < n, b[j] != 10, b[j] != 13 { j += 1 }
                if j >= n { return eof ? .bad(end: n, breaks: breaks, message: message) : .needMore }
                guard let e = rowEnd(j) else { return .needMore }
                return .bad(end: e, breaks: breaks + 1, message: message)
            }
            if b[i] == 10 || b[i] == 13 {
                guard let e = rowEnd(i) else { return .needMore }
                return .blank(end: e, breaks: 1)
            }
            while true {
                if i >= n {
                    guard eof else { return .needMore }
                    spans.append(Span(start: i, end: i, doubledQuotes: false))  // a trailing delimiter at end of input
                    return .row(end: n, breaks: breaks)
                }
                if b[i] == 34 {
                    let quoteLine = breaks
                    i += 1
                    let fs = i
                    var doubled = false
                    while true {
                        if i >= n {
                            guard eof else { return .needMore }
                            return .bad(end: n, breaks: breaks, message: "a quoted field opened on line \(line + quoteLine) is never closed")
                        }
                        i = SWAR.firstQuoteOrBreak(b.baseAddress!, from: i, end: n)
                        if i >= n { continue }
                        let c = b[i]
                        if c == 34 {
                            if i + 1 >= n && !eof { return .needMore }
                            if i + 1 < n && b[i + 1] == 34 { doubled = true; i += 2; continue }
                            break
                        }
                        if c == 10 { breaks += 1 }
                        else if c == 13 {
                            if i + 1 >= n && !eof { return .needMore }
                            if !(i + 1 < n && b[i + 1] == 10) { breaks += 1 }
                        }
                        i += 1
                    }
                    spans.append(Span(start: fs, end: i, doubledQuotes: doubled))
                    i += 1  // closing quote
                    if i >= n {
                        guard eof else { return .needMore }
                        return .row(end: n, breaks: breaks)
                    }
                    let c = b[i]
                    if c == delim { i += 1; if i >= n && eof { spans.append(Span(start: i, end: i, doubledQuotes: false)); return .row(end: n, breaks: breaks) }; continue }
                    if c == 10 || c == 13 {
                        guard let e = rowEnd(i) else { return .needMore }
                        return .row(end: e, breaks: breaks + 1)
                    }
                    return skipLine(i, "unexpected \(JSONTokenParser.describe(c)) after a closing quote in field \(spans.count) (a quote inside a quoted field must be doubled)")
                }
                let fs = i
                while i < n {
                    let c = b[i]
                    if c == delim || c == 10 || c == 13 { break }
                    if c == 34 {
                        return skipLine(i, "stray quote in unquoted field \(spans.count + 1) (quote the field and double the quote)")
                    }
                    i += 1
                }
                if i >= n {
                    guard eof else { return .needMore }
                    spans.append(Span(start: fs, end: i, doubledQuotes: false))
                    return .row(end: n, breaks: breaks)
                }
                spans.append(Span(start: fs, end: i, doubledQuotes: false))
                if b[i] == delim {
                    i += 1
                    if i >= n && eof { spans.append(Span(start: i, end: i, doubledQuotes: false)); return .row(end: n, breaks: breaks) }
                    continue
                }
                guard let e = rowEnd(i) else { return .needMore }
                return .row(end: e, breaks: breaks + 1)
            }
        }
    }
}
