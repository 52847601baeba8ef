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

    /// A reader for one file, chosen by its extension.
    public static func reader(for path: String, recordsPath: String?) throws -> any RecordReader {
        switch (path as NSString).pathExtension.lowercased() {
        case "json": return try JSONRecordReader(path: path, recordsPath: recordsPath)
        default:
            throw ReaderError(file: path, line: 0, message: "unsupported file type '.\((path as NSString).pathExtension)' (this version reads .json)")
        }
    }
}

/// Reads several files as one stream of records, in order.
public struct MultiFileReader: RecordReader {
    let paths: [String]
    let recordsPath: String?
    var current: (any RecordReader)?
    var nextIndex = 0

    public init(paths: [String], recordsPath: String?) {
        self.paths = paths
        self.recordsPath = recordsPath
    }

    public mutating func next() throws -> Record? {
        while true {
            if current == nil {
                guard nextIndex < paths.count else { return nil }
                current = try SourceFiles.reader(for: paths[nextIndex], recordsPath: recordsPath)
                nextIndex += 1
            }
            if let r = try current!.next() { return r }
            current = nil
        }
    }
}
