import Foundation

/// Streams the records of a JSON file, found by content rather than by file name:
/// - a top-level array of records;
/// - an object holding the records array under a key or JSON pointer (the Zendesk API page shape
///   `{"users": [...], "next_page": ..., "count": ...}`), streamed element by element;
/// - a single-object response (`{"ticket": {...}}` when the records are `tickets`);
/// - NDJSON (one object per line, as Zendesk's full export writes into files named `tickets.json`), each line a
///   record, or a page of records, or a single-object response; a bad line is a problem item and reading goes on;
/// A page holding another kind of records (`{"ticket_events": [...]}` where `tickets` are read) is skipped with a
/// warning naming what it holds, never fatal. The paging fields of the last page read (`next_page`,
/// `end_of_stream`, `meta.has_more`) are kept in `page`, so an incomplete dump can be reported.
/// Only one record is held in memory at a time, except for NDJSON lines, which are parsed whole.
public struct JSONRecordReader: RecordReader {
    let file: String
    let source: ByteSource
    var parser: JSONTokenParser
    let pointer: [String]
    /// The key a single-object response uses (`ticket` for `tickets`).
    let singular: String?
    private var state: State = .start
    private var index = 0
    /// Objects around the records array still to be closed once it ends.
    private var openObjects = 0
    /// Fields of the page object around the records array (paging metadata).
    private var pageFields = JSONObject()
    /// JSON pointer of the array being streamed, and the position in it.
    private var container = ""
    private var element = 0
    private var lines: NDJSONRecordReader?
    private var queue: [ReadItem] = []
    private var queued = 0
    let lazy: Bool
    private let namedKeys: [[UInt8]]
    private let scratch = CompactScratch()
    private var decoder = JSONCompactDecoder()
    /// Paging fields of the last page of this file.
    public private(set) var page = PageInfo()

    enum State { case start, inArray(first: Bool), betweenDocuments, lines, done }

    /// - Parameters:
    ///   - recordsPath: a key (`users`) or JSON pointer (`/data/users`) naming the array; nil means the document
    ///     is an array, or an object whose first array-valued key holds the records.
    ///   - lineDelimited: the file is NDJSON by its name; lines are read one by one from the start.
    ///   - lazy: keep records as their compact bytes (`JSONRow`), made into values only when read: for printing.
    public init(path: String, recordsPath: String? = nil, lineDelimited: Bool = false, lazy: Bool = false, progress: ReadProgress? = nil) throws {
        let source = try ByteSource(path: path)
        source.progress = progress
        self.init(source: source, file: path, recordsPath: recordsPath, lineDelimited: lineDelimited, lazy: lazy)
    }

    /// A reader of a source opened elsewhere (tests give it a small read buffer).
    init(source: ByteSource, file path: String, recordsPath: String?, lineDelimited: Bool = false, lazy: Bool) {
        file = path
        self.lazy = lazy
        self.source = source
        parser = JSONTokenParser(source: source, file: path)
        if let p = recordsPath, !p.isEmpty {
            pointer = p.hasPrefix("/")
                ? p.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
                    $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                }
                : [p]
        } else {
            pointer = []
        }
        singular = pointer.last.map(Self.singular)
        namedKeys = [pointer.first, singular].compactMap { $0.map { Array($0.utf8) } }
        if lineDelimited {
            lines = NDJSONRecordReader(source: source, file: path, lazy: lazy)
            state = .lines
        }
    }

    /// `tickets` → `ticket`, `categories` → `category`, `custom_statuses` → `custom_status`.
    static func singular(_ plural: String) -> String {
        if plural.hasSuffix("ies") { return String(plural.dropLast(3)) + "y" }
        if plural.hasSuffix("sses") || plural.hasSuffix("uses") { return String(plural.dropLast(2)) }
        if plural.hasSuffix("s") { return String(plural.dropLast()) }
        return plural
    }

    public mutating func next() throws -> ReadItem? {
        while true {
            if queued < queue.count {
                let item = queue[queued]
                queued += 1
                if queued == queue.count { queue.removeAll(keepingCapacity: true); queued = 0 }
                return item
            }
            switch state {
            case .done:
                return nil
            case .start:
                try parser.skipWhitespace()
                guard let c = try source.peek() else { state = .done; continue }  // an empty file holds no records
                if c == 123, try firstLineIsOneOfSeveralObjects() {
                    lines = NDJSONRecordReader(source: source, file: file, lazy: lazy)
                    state = .lines
                    continue
                }
                try startDocument()
            case .betweenDocuments:
                // One document per file (NDJSON was recognised from its first line): anything after it is damage.
                try parser.skipWhitespace()
                if let c = try source.peek() { throw parser.error("unexpected \(JSONTokenParser.describe(c)) after the end of the JSON document") }
                state = .done
            case .lines:
                guard let item = try lines!.next() else { state = .done; continue }
                guard case .record(var r) = item else { return item }
                // A lazy line that is plainly a record stays as its bytes.
                if case .json(let row) = r.storage, RecordShape.isPlainRecord(row, named: namedKeys) {
                    index += 1
                    r.location = SourceLocation(file: file, line: r.location.line, index: index)
                    return .record(r)
                }
                examine(r.fields, line: r.location.line)
            case .inArray(let first):
                try parser.skipWhitespace()
                guard let c = try source.peek() else { throw parser.error("unexpected end of file inside the records array") }
                if c == 93 {  // ]
                    source.advance()
                    try finishDocument()
                    state = .betweenDocuments
                    continue
                }
                if !first {
                    guard c == 44 else { throw parser.error("expected ',' or ']' between records, found \(JSONTokenParser.describe(c))") }
                    source.advance()
                    try parser.skipWhitespace()
                }
                let line = source.line
                if try source.peek() == 123, case .scanned(let count, let canonical) = try CompactScan.scan(source, into: scratch, lineMode: false) {
                    state = .inArray(first: false)
                    index += 1
                    element += 1
                    let location = SourceLocation(file: file, line: line, index: index, pointer: container + "/" + String(element - 1))
                    if lazy { return .record(Record(json: JSONRow.make(scratch.base, count: count, canonical: canonical), location: location)) }
                    return .record(Record(fields: decoder.object(scratch.base, count: count), location: location))
                }
                // Not an object, or declined by the scanner: the token parser reads it (and words what is wrong).
                let value = try parser.parseValue(depth: 0)
                state = .inArray(first: false)
                index += 1
                element += 1
                let at = "\(container)/\(element - 1)"
                guard case .object(let o) = value else {
                    return .problem(ReaderError(file: file, line: line, message: "record \(at) is a JSON \(value.typeName), expected an object"))
                }
                return .record(Record(fields: o, location: SourceLocation(file: file, line: line, index: index, pointer: at)))
            }
        }
    }

    /// True when the first line holds one complete JSON object and more follows: NDJSON (or JSON Lines).
    /// A pretty-printed or one-line document is read as a document instead, streaming its records array.
    private func firstLineIsOneOfSeveralObjects() throws -> Bool {
        // Look at most this far for the first line's end; longer first lines are read as a document.
        let limit = 8 << 20
        var scanned = source.pos
        var depth = 0, inString = false, escaped = false
        var closedAt: Int?
        while true {
            while scanned < source.end {
                let c = source.buffer[scanned]
                if let closed = closedAt {
                    if c == 10 {
                        // The object ended on this line; is there anything after it?
                        var i = scanned + 1
                        while true {
                            while i < source.end {
                                let d = source.buffer[i]
                                if d != 32 && d != 9 && d != 13 && d != 10 { return true }
                                i += 1
                            }
                            let offset = i - source.pos
                            guard try source.refill(keepingFrom: source.pos) else { return false }
                            i = source.pos + offset
                            _ = closed
                        }
                    }
                    if c != 32 && c != 9 && c != 13 { return false }  // more on the same line: not one object per line
                } else if inString {
                    if escaped { escaped = false } else if c == 92 { escaped = true } else if c == 34 { inString = false }
                } else {
                    switch c {
                    case 34: inString = true
                    case 123, 91: depth += 1
                    case 125, 93:
                        depth -= 1
                        if depth == 0 { closedAt = scanned }
                    case 10: return false  // the first object spans lines
                    default: break
                    }
                }
                scanned += 1
            }
            if scanned - source.pos > limit { return false }
            let offset = scanned - source.pos
            let closedOffset = closedAt.map { $0 - source.pos }
            guard try source.refill(keepingFrom: source.pos) else { return false }
            scanned = source.pos + offset
            closedAt = closedOffset.map { source.pos + $0 }
        }
    }

    /// At the first byte of a JSON document: an array of records, or an object holding them (or being one).
    private mutating func startDocument() throws {
        guard let c = try source.peek() else { state = .done; return }
        pageFields = JSONObject()
        openObjects = 0
        if c == 91 {
            source.advance()
            container = ""
            element = 0
            state = .inArray(first: true)
            return
        }
        guard c == 123 else { throw parser.error("expected a JSON array or object, found \(JSONTokenParser.describe(c))") }
        let line = source.line
        var remaining = pointer[...]
        var path = ""
        while true {
            source.advance()  // {
            openObjects += 1
            let wanted = remaining.first
            var collected = JSONObject()
            guard try parser.seekKey(wanted, collecting: &collected) else {
                openObjects -= 1
                if openObjects == 0 {
                    // The whole top-level object is read: it is a record, a single-object response, or another kind of page.
                    examine(collected, line: line)
                    state = .betweenDocuments
                    return
                }
                throw ReaderError(file: file, line: source.line, message: wanted.map { "no key '\($0)' holding the records (check the mapping's `records`)" }
                                  ?? "no array of records in this object (name it with the mapping's `records`)")
            }
            if openObjects == 1 { pageFields = collected }
            let key = wanted ?? collected.keys.last ?? ""
            path += "/" + key
            if !remaining.isEmpty { remaining = remaining.dropFirst() }
            try parser.skipWhitespace()
            let v = try source.peek()
            if v == 91, remaining.isEmpty {
                source.advance()
                container = path
                element = 0
                state = .inArray(first: true)
                return
            }
            guard v == 123, !remaining.isEmpty else {
                throw parser.error("the value at '\(pointer.joined(separator: "/"))' is not an array of records")
            }
        }
    }

    /// After the records array: read the rest of the enclosing objects (keeping the page's paging fields), so a
    /// truncated file is noticed.
    private mutating func finishDocument() throws {
        while openObjects > 0 {
            if openObjects == 1 {
                try parser.skipRestOfObject(collecting: &pageFields)
                page = PageInfo(pageFields)
            } else {
                var ignored = JSONObject()
                try parser.skipRestOfObject(collecting: &ignored)
            }
            openObjects -= 1
        }
    }

    /// A whole object read at the top level: yields its records (queued) or a warning.
    private mutating func examine(_ o: JSONObject, line: Int) {
        switch RecordShape(o, records: pointer, singular: singular) {
        case .page(let items, let key):
            page = PageInfo(o)
            for (i, item) in items.enumerated() {
                let at = "\(key)/\(i)"
                guard case .object(let r) = item else {
                    queue.append(.problem(ReaderError(file: file, line: line, message: "record \(at) is a JSON \(item.typeName), expected an object")))
                    continue
                }
                index += 1
                queue.append(.record(Record(fields: r, location: SourceLocation(file: file, line: line, index: index, pointer: at))))
            }
        case .single(let r, let key):
            index += 1
            queue.append(.record(Record(fields: r, location: SourceLocation(file: file, line: line, index: index, pointer: "/" + key))))
        case .otherPage(let holds):
            queue.append(.warning(ReaderError(file: file, line: line, message: "skipped: this page holds '\(holds)' records, not '\(pointer.joined(separator: "/"))'")))
        case .record:
            index += 1
            queue.append(.record(Record(fields: o, location: SourceLocation(file: file, line: line, index: index))))
        }
    }
}

/// What a whole JSON object read at the top level of an export file is.
enum RecordShape {
    /// A page: the records array (under the pointer, or the first array-valued key when none is named).
    case page([JSONValue], pointer: String)
    /// A single-object response, `{"ticket": {...}}`.
    case single(JSONObject, key: String)
    /// A page of some other kind of records (the key of its array).
    case otherPage(String)
    case record

    /// Keys that only API pages have, never records.
    static let pagingKeys: Set<String> = ["next_page", "previous_page", "end_of_stream", "after_cursor", "after_url", "before_cursor",
                                           "before_url", "end_time", "links", "meta", "_links", "_pagination", "pages"]

    /// True when `init` would surely take the row for a `.record`, told from its top-level key bytes and the
    /// first byte of their values, without making strings (false when in doubt: the caller makes the object).
    /// `named`: the UTF-8 of the records key and of its singular.
    static func isPlainRecord(_ row: JSONRow, named: [[UInt8]]) -> Bool {
        var hasId = false, doubt = false, hasArray = false
        row.withBytes { b, n in
            JSONCompact.forEachKey(b, count: n) { key, escaped, first in
                if escaped { doubt = true; return }
                if first == 91 { hasArray = true }
                if key.count == 2, key[0] == 105, key[1] == 100 { hasId = true }  // id
                if named.contains(where: { $0.elementsEqual(key) }) { doubt = true }
            }
        }
        // With an id it is a record; without any array value, too (a page holds its records in one).
        return !doubt && (hasId || !hasArray)
    }

    init(_ o: JSONObject, records pointer: [String], singular: String?) {
        if !pointer.isEmpty {
            var v: JSONValue? = .object(o)
            for p in pointer { v = v?[p] }
            if case .array(let a)? = v { self = .page(a, pointer: "/" + pointer.joined(separator: "/")); return }
        }
        if let s = singular, o["id"] == nil, case .object(let inner)? = o[s] { self = .single(inner, key: s); return }
        guard o["id"] == nil else { self = .record; return }
        let arrayKey = o.keys.first { o[$0]?.arrayValue != nil }
        // No id, and the records under some other key: a page (paging fields, or nothing but that array).
        let paged = o.keys.contains { Self.pagingKeys.contains($0) } || o["count"] != nil || o.count == 1
        guard paged, let key = arrayKey else { self = .record; return }
        self = pointer.isEmpty ? .page(o[key]!.arrayValue!, pointer: "/" + key) : .otherPage(key)
    }
}

/// The paging fields of an API page: whether more pages were there to fetch when the dump was made.
public struct PageInfo: Sendable, Equatable {
    public var nextPage: String?
    public var endOfStream: Bool?
    public var hasMore: Bool?
    public var isPage = false

    public init() {}

    init(_ o: JSONObject) {
        isPage = true
        // Zendesk `next_page`, JSON:API `links.next`, Help Scout (HAL) `_links.next.href`, Intercom `pages.next`
        // (a URL, or an object with `starting_after`), Front `_pagination.next`.
        nextPage = o["next_page"]?.stringValue ?? o["links"]?["next"]?.stringValue ?? o["_links"]?["next"]?["href"]?.stringValue
            ?? o["pages"]?["next"].flatMap { $0.stringValue ?? ($0.objectValue != nil ? JSONSerializer.string($0) : nil) }
            ?? o["_pagination"]?["next"]?.stringValue
        endOfStream = o["end_of_stream"]?.boolValue
        hasMore = o["meta"]?["has_more"]?.boolValue
    }

    /// Why this page says the dump goes on (nil when it is a last page, or not a page).
    public var incompleteReason: String? {
        guard isPage else { return nil }
        // Time-based incremental exports always carry next_page; end_of_stream is what says the end was reached.
        if let end = endOfStream { return end ? nil : "end_of_stream is false" }
        if hasMore == true { return "meta.has_more is true" }
        if let next = nextPage, !next.isEmpty { return "next_page is set (\(next))" }
        return nil
    }
}
