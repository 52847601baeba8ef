import Foundation

/// Finds an entity's source files in an export folder and opens the right reader for each.
public enum SourceFiles {
    /// Files matching the patterns (relative to `directory`, `*` and `?` wildcards), each pattern's matches sorted
    /// by name, duplicates removed, in pattern order.
    public static func resolve(_ patterns: [String], in directory: String) -> [String] {
        var out: [String] = []
        for pattern in patterns {
            let full = (directory as NSString).appendingPathComponent(pattern)
            let dir = (full as NSString).deletingLastPathComponent
            let namePattern = (full as NSString).lastPathComponent
            guard namePattern.contains("*") || namePattern.contains("?") else {
                if FileManager.default.fileExists(atPath: full), !out.contains(full) { out.append(full) }
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for name in names.sorted() where fnmatch(namePattern, name, 0) == 0 {
                let path = (dir as NSString).appendingPathComponent(name)
                if !out.contains(path) { out.append(path) }
            }
        }
        return out
    }

    /// Files a source spec reads: every match of every pattern, or with `firstMatch` only the first pattern's.
    public static func resolve(_ source: SourceSpec, in directory: String) -> [String] {
        guard source.firstMatch else { return resolve(source.files, in: directory) }
        for pattern in source.files {
            let found = resolve([pattern], in: directory)
            if !found.isEmpty { return found }
        }
        return []
    }

    /// Every file a set of mappings reads: sources, indexes and child files.
    public static func all(for mappings: [EntityMapping], in directory: String) -> [String] {
        mappings.flatMap { m in
            resolve(m.source, in: directory) + m.indexes.flatMap { resolve($0.source, in: directory) }
                + m.children.compactMap(\.source).flatMap { resolve($0, in: directory) }
        }
    }

    /// A reader for one file: the given format, or the one its extension names.
    public static func reader(for path: String, options: ReaderOptions) throws -> any RecordReader {
        guard let format = options.format ?? SourceFormat(fileExtension: (path as NSString).pathExtension) else {
            throw ReaderError(file: path, line: 0, message: "cannot tell the format from the name; pass --format csv, json or ndjson")
        }
        switch format {
        case .json: return try JSONRecordReader(path: path, recordsPath: options.records, progress: options.progress)
        case .ndjson: return try NDJSONRecordReader(path: path, progress: options.progress)
        case .csv: return try CSVRecordReader(path: path, options: options.csv, progress: options.progress)
        }
    }
}

/// Input formats.
public enum SourceFormat: String, Sendable, CaseIterable {
    case csv, json, ndjson

    public init?(fileExtension ext: String) {
        switch ext.lowercased() {
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
    let options: ReaderOptions
    var current: (any RecordReader)?
    var nextIndex = 0

    public init(paths: [String], options: ReaderOptions) {
        self.paths = paths
        self.options = options
    }

    public mutating func next() throws -> ReadItem? {
        while true {
            if current == nil {
                guard nextIndex < paths.count else { return nil }
                current = try SourceFiles.reader(for: paths[nextIndex], options: options)
                nextIndex += 1
            }
            if let r = try current!.next() {
                options.progress?.produced()
                return r
            }
            current = nil
        }
    }
}
