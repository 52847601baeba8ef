import Foundation

/// Finds an entity's source files in an export folder and opens the right reader for each.
public enum SourceFiles {
    /// Files matching the patterns (relative to `directory`, `*` and `?` wildcards), each pattern's matches sorted
    /// by name in natural order (`page-2` before `page-10`), duplicates removed, in pattern order.
    public static func resolve(_ patterns: [String], in directory: String) -> [String] {
        matches(patterns, in: directory).map(\.path)
    }

    /// Like `resolve`, with what each file's name says: a `{field}` in a pattern matches any text within one path
    /// component (like `*`) and gives every record of that file the field, unless the record has it
    /// (`ticket_comments-{ticket_id}.json`, `tickets/{ticket_id}/comments.json`). Wildcards may stand in folder
    /// components too. Nothing outside `directory` is matched, through `..` or a symbolic link.
    public static func matches(_ patterns: [String], in directory: String) -> [SourceFile] {
        var out: [SourceFile] = []
        var seen: Set<String> = []
        let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        for pattern in patterns {
            let components = pattern.split(separator: "/").map(String.init)
            guard !components.isEmpty, !components.contains(".."), !pattern.hasPrefix("/") else { continue }
            var found: [SourceFile] = []
            walk(directory, components[...], captures: [:], into: &found)
            // Natural order: page 2 before page 10 (an incremental dump's pages are numbered without padding).
            for f in found.sorted(by: { $0.path.compare($1.path, options: [.numeric, .literal]) == .orderedAscending }) where !seen.contains(f.path) {
                // A symbolic link pointing out of the export folder is not followed.
                let real = URL(fileURLWithPath: f.path).resolvingSymlinksInPath().path
                guard real == root || real.hasPrefix(root.hasSuffix("/") ? root : root + "/") else { continue }
                seen.insert(f.path)
                out.append(f)
            }
        }
        return out
    }

    private static func walk(_ dir: String, _ rest: ArraySlice<String>, captures: [String: String], into out: inout [SourceFile]) {
        guard let component = rest.first else { return }
        let last = rest.count == 1
        let pattern = ComponentPattern(component)
        let candidates: [String]
        if pattern.isLiteral {
            candidates = [component]
        } else {
            candidates = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }
        }
        for name in candidates {
            guard let caught = pattern.match(name) else { continue }
            let path = (dir as NSString).appendingPathComponent(name)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { continue }
            let all = captures.merging(caught) { a, _ in a }
            if last {
                if !isDir.boolValue { out.append(SourceFile(path: path, fields: all)) }
            } else if isDir.boolValue {
                walk(path, rest.dropFirst(), captures: all, into: &out)
            }
        }
    }

    /// One path component of a file pattern (or a column name pattern): literals, `*`, `?` and `{field}` captures.
    public struct ComponentPattern: Sendable {
        enum Part: Sendable { case literal(String), any, one, capture(String) }
        let parts: [Part]
        var isLiteral: Bool { parts.allSatisfy { if case .literal = $0 { return true } else { return false } } }
        var captures: [String] { parts.compactMap { if case .capture(let c) = $0 { return c } else { return nil } } }

        init(_ text: String) {
            var parts: [Part] = []
            var literal = ""
            var i = text.startIndex
            while i < text.endIndex {
                let c = text[i]
                if c == "{", let close = text[i...].firstIndex(of: "}"), close > text.index(after: i) {
                    if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                    parts.append(.capture(String(text[text.index(after: i)..<close])))
                    i = text.index(after: close)
                    continue
                }
                if c == "*" || c == "?" {
                    if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                    parts.append(c == "*" ? .any : .one)
                } else {
                    literal.append(c)
                }
                i = text.index(after: i)
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            self.parts = parts
        }

        /// The captured fields when `name` matches (backtracking over `*` and captures), else nil.
        func match(_ name: String) -> [String: String]? {
            let chars = Array(name)
            var caught: [String: String] = [:]
            func go(_ p: Int, _ c: Int) -> Bool {
                guard p < parts.count else { return c == chars.count }
                switch parts[p] {
                case .literal(let l):
                    let lc = Array(l)
                    guard c + lc.count <= chars.count, Array(chars[c..<c + lc.count]) == lc else { return false }
                    return go(p + 1, c + lc.count)
                case .one:
                    return c < chars.count && go(p + 1, c + 1)
                case .any, .capture:
                    // Longest first, so `{ticket_id}` in `comments-{ticket_id}.json` takes the whole id.
                    let minimum = { if case .capture = parts[p] { return 1 } else { return 0 } }()
                    var end = chars.count
                    while end >= c + minimum {
                        if go(p + 1, end) {
                            if case .capture(let field) = parts[p] { caught[field] = String(chars[c..<end]) }
                            return true
                        }
                        end -= 1
                    }
                    return false
                }
            }
            return go(0, 0) ? caught : nil
        }
    }

    /// A reader for one file: the given format, or the one its extension names; a file whose name says nothing
    /// (or says JSON) but whose content starts with `<` is XML.
    public static func reader(for path: String, options: ReaderOptions) throws -> any RecordReader {
        let named = SourceFormat(fileExtension: (path as NSString).pathExtension)
        var format = options.format ?? named
        if options.format == nil, named == nil || named == .json, path != "-" {
            format = sniff(path) ?? format
        }
        guard let format else {
            throw ReaderError(file: path, line: 0, message: "cannot tell the format from the name; pass --format csv, json, ndjson or xml")
        }
        switch format {
        case .xml: return try XMLRecordReader(path: path, recordsPath: options.records, progress: options.progress)
        // JSON files are read by content: an array, a page, a single-object response or NDJSON, whatever the name says.
        case .json: return try JSONRecordReader(path: path, recordsPath: options.records, lazy: options.lazyJSON, progress: options.progress)
        case .ndjson: return try JSONRecordReader(path: path, recordsPath: options.records, lineDelimited: true, lazy: options.lazyJSON,
                                                  progress: options.progress)
        case .csv: return try CSVRecordReader(path: path, options: options.csv, progress: options.progress)
        }
    }
}

extension SourceFiles {
    /// The format the first bytes show (after a byte order mark and white space): `<` is XML, `{` or `[` JSON.
    static func sniff(_ path: String) -> SourceFormat? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        guard let head = try? h.read(upToCount: 4096) else { return nil }
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let first = bytes.first(where: { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 }) else { return nil }
        switch first {
        case UInt8(ascii: "<"): return .xml
        case UInt8(ascii: "{"), UInt8(ascii: "["): return .json
        default: return nil
        }
    }
}

/// Input formats.
public enum SourceFormat: String, Sendable, CaseIterable {
    case csv, json, ndjson, xml

    public init?(fileExtension ext: String) {
        switch ext.lowercased() {
        case "xml": self = .xml
        case "csv", "tsv", "txt": self = .csv
        case "json": self = .json
        case "ndjson", "jsonl": self = .ndjson
        default: return nil
        }
    }
}

/// How to read source files.
public struct ReaderOptions: Sendable {
    /// nil: by file extension.
    public var format: SourceFormat?
    /// Key or JSON pointer of the records array in JSON documents.
    public var records: String?
    public var csv: CSVOptions
    /// Counts bytes read, for progress reports.
    public var progress: ReadProgress?
    /// JSON records stay as their compact bytes until a value is read (`read` prints them by copying). Off for
    /// mapping, which reads many values of every record: its readers make the objects on the reader thread.
    public var lazyJSON = false

    public init(format: SourceFormat? = nil, records: String? = nil, csv: CSVOptions = CSVOptions(), progress: ReadProgress? = nil) {
        self.format = format
        self.records = records
        self.csv = csv
        self.progress = progress
    }
}

/// Reads several files as one stream of records, in order.
public struct MultiFileReader: RecordReader {
    let paths: [String]
    /// Fields each file's name gives its records (`{ticket_id}` in the pattern), by position in `paths`.
    let fields: [[String: String]]
    /// Which files are pages of other records, read only for a side-loaded array of these.
    let sideloads: [Bool]
    let options: ReaderOptions
    var current: (any RecordReader)?
    var nextIndex = 0
    /// `/users/`: where a side-loaded array's elements are (the records key as a pointer).
    var sideloadPrefix: String {
        let key = options.records ?? ""
        return (key.hasPrefix("/") ? key : "/" + key) + "/"
    }

    public init(paths: [String], options: ReaderOptions) {
        self.paths = paths
        fields = Array(repeating: [:], count: paths.count)
        sideloads = Array(repeating: false, count: paths.count)
        self.options = options
    }

    public init(files: [SourceFile], options: ReaderOptions) {
        paths = files.map(\.path)
        fields = files.map(\.fields)
        sideloads = files.map(\.sideload)
        self.options = options
    }

    public mutating func next() throws -> ReadItem? {
        while true {
            if current == nil {
                guard nextIndex < paths.count else { return nil }
                let sideload = sideloads[nextIndex]
                nextIndex += 1
                // A page read for its side-loaded array is the page's own entity's to read and report: one that cannot
                // be opened, or is not JSON, yields nothing here (it does not stop the records read beside it).
                guard let reader = sideload ? try? SourceFiles.reader(for: paths[nextIndex - 1], options: options)
                                            : try SourceFiles.reader(for: paths[nextIndex - 1], options: options) else { continue }
                if sideload, !(reader is JSONRecordReader) { continue }
                current = reader
            }
            let item: ReadItem?
            if sideloads[nextIndex - 1] {
                // Likewise a page that breaks off (truncated JSON): what it held before is kept, the rest is the page's
                // entity's error to report.
                do { item = try current!.next() } catch { current = nil; continue }
            } else {
                item = try current!.next()
            }
            if let r = item {
                if sideloads[nextIndex - 1] {
                    // From a page of other records, only the elements of the side-loaded array (`/users/3`) are these
                    // records: the page's own records, a bare object or a page without the array are not, and say nothing.
                    switch r {
                    case .record(let record) where record.location.pointer?.hasPrefix(sideloadPrefix) == true: break
                    // A problem of the page itself is the page's entity's to report (it reads the file too).
                    case .problem(let p) where p.message.contains(sideloadPrefix): break
                    default: continue
                    }
                }
                options.progress?.produced()
                let named = fields[nextIndex - 1]
                if !named.isEmpty, case .record(var record) = r {
                    var o = record.fields
                    for (k, v) in named.sorted(by: { $0.key < $1.key }) where o[k] == nil || o[k]!.isNull { o[k] = .string(v) }
                    record.fields = o
                    return .record(record)
                }
                return r
            }
            // The last page of a dump says whether more pages were there to fetch.
            let finished = current
            current = nil
            if nextIndex == paths.count, !sideloads[nextIndex - 1], let json = finished as? JSONRecordReader, let why = json.page.incompleteReason {
                return .warning(ReaderError(file: json.file, line: 0, message: "the dump looks incomplete: its last page's \(why); records after it are not in the export"))
            }
        }
    }
}

/// A file an entity reads, and the fields its name gives its records.
public struct SourceFile: Sendable, Equatable {
    public var path: String
    public var fields: [String: String]
    /// A page of other records read for the side-loaded array of these (`SourceSpec.sideloads`).
    public var sideload = false

    public init(path: String, fields: [String: String], sideload: Bool = false) {
        self.path = path
        self.fields = fields
        self.sideload = sideload
    }
}
