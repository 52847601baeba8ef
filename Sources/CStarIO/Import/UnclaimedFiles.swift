import Foundation

/// A data file of the export folder that no mapping reads (a `users` page dump saved as `zd_users_page1.json`).
public struct UnclaimedFile: Sendable, Equatable {
    /// Path relative to the export folder.
    public var path: String
    /// The records key its content starts with (`users` for `{"users": [...]}`), when it has one.
    public var recordsKey: String?
    /// The mapped entity whose records key that is: the file very likely holds records of it, which this run misses.
    public var probableEntity: String?
    /// That entity's mapping file, where the file's name would go (`source.files`).
    public var mappingFile: String?
    /// The file read instead: this one matches another layout of the entity's files (`firstMatch`), not read
    /// because that one was.
    public var notReadBecause: String?
    /// That other layout's file holds every record of this one (by the entity's key): nothing is lost by not
    /// reading it (the sample keeps the same tickets as pages and as NDJSON).
    public var sameRecords = false

    public var message: String {
        if let entity = probableEntity, let other = notReadBecause, sameRecords {
            return "\(path) is another layout of \(entity)'s files, not read because \(other) was: it holds no \(entity) record that was not read there"
        }
        if let entity = probableEntity, let other = notReadBecause {
            return "\(path) matches another layout of \(entity)'s files but is not read, because \(other) was (one layout per export, "
                + "firstMatch in \(mappingFile ?? "the mapping")): its records are not migrated. If it holds other records, "
                + "put them in one layout, or name both in the mapping's source files (cstar-io mappings copy, then --mapping)"
        }
        if let entity = probableEntity, let key = recordsKey {
            return "\(path) is read by no mapping but looks like '\(key)' records of \(entity): its records are not migrated. "
                + "Rename it to match \(mappingFile ?? "the mapping")'s source files, or add its name there (cstar-io mappings copy, then --mapping)"
        }
        if let key = recordsKey { return "\(path) is read by no mapping (it holds '\(key)' records; no entity of this set reads those)" }
        return "\(path) is read by no mapping"
    }

    public var json: JSONValue {
        .object(JSONObject([("path", .string(path)), ("recordsKey", recordsKey.map { .string($0) } ?? .null),
                            ("probableEntity", probableEntity.map { .string($0) } ?? .null),
                            ("notReadBecause", notReadBecause.map { .string($0) } ?? .null), ("sameRecords", .bool(sameRecords))]))
    }
}

/// Every `.json`, `.ndjson` and `.csv` file of an export folder that no pattern of the mappings matches (sources,
/// indexes and child files, every alternative of a `firstMatch` included). Silent loss is the worst defect: a run
/// names each such file, and one that clearly holds records of a mapped entity makes the run finish "with problems".
public enum UnclaimedFiles {
    static let extensions: Set<String> = ["json", "ndjson", "jsonl", "csv"]
    /// Files looked at, at most (an export folder holds a few thousand files at most; per-ticket dumps more).
    static let maxFiles = 100_000
    /// Bytes read from the start of a file to see its records key.
    static let peekBytes = 4096

    public static func find(_ mappings: [EntityMapping], in directory: String) -> [UnclaimedFile] {
        var claimed = Set<String>()
        // Specs with a `firstMatch` alternative that was not read (tickets.ndjson when tickets.json was), and the
        // unread files by the spec they belong to.
        var groups: [(mapping: EntityMapping, spec: SourceSpec, key: String?, read: [SourceFile])] = []
        var alternatives: [String: Int] = [:]
        let root = standard(directory)
        func relative(_ path: String) -> String { String(standard(path).dropFirst(root.count).drop { $0 == "/" }) }
        for m in mappings {
            // Each spec with the key its records are told apart by (a child source's own key, when it has one).
            // The entity's own records are compared by key only when a key says it all: not when a layout may carry
            // children inline or newer versions (the keys match, and the comments or the latest copy would still be lost).
            let comparable = !m.children.contains { $0.inline != nil } && m.latestBy == nil
            var specs: [(SourceSpec, String?)] = [(m.source, comparable ? m.key : nil)] + m.indexes.map { ($0.source, $0.key) }
            specs += m.children.flatMap { c in c.sources.map { ($0.spec, c.key) } }
            for (spec, key) in specs {
                let read = SourceFiles.matches(spec, in: directory)
                for f in read { claimed.insert(standard(f.path)) }
                guard spec.firstMatch, !read.isEmpty else { continue }
                let readPaths = Set(read.map { standard($0.path) })
                for f in SourceFiles.matches(spec.files, in: directory) where !readPaths.contains(standard(f.path)) {
                    alternatives[standard(f.path)] = groups.count
                }
                groups.append((m, spec, key, read))
            }
        }
        var keyOwners: [String: EntityMapping] = [:]
        for m in mappings {
            guard let records = m.source.records else { continue }
            let key = records.split(separator: "/").last.map(String.init) ?? records
            if keyOwners[key] == nil { keyOwners[key] = m }
        }
        var out: [UnclaimedFile] = []
        // The keys of each layout read, collected once however many unread files its alternatives have.
        var knownKeys: [Int: Set<String>?] = [:]
        for path in dataFiles(in: root) where !claimed.contains(path) {
            if let g = alternatives[path] {
                let alt = groups[g]
                var file = UnclaimedFile(path: relative(path), recordsKey: recordsKey(of: path).map(\.0), probableEntity: alt.mapping.entity,
                                         mappingFile: alt.mapping.file, notReadBecause: relative(alt.read[0].path))
                if let key = alt.key {
                    if knownKeys[g] == nil { knownKeys[g] = keys(of: alt.read, keyPath: key, records: alt.spec.records) }
                    if let known = knownKeys[g]! {
                        file.sameRecords = keys(of: [SourceFile(path: path, fields: [:])], keyPath: key, records: alt.spec.records)?.isSubset(of: known) ?? false
                    }
                }
                out.append(file)
                continue
            }
            var key: String?
            var owner: EntityMapping?
            if let (k, isList) = recordsKey(of: path) {
                // `{"users": [...]}` is a page of `users` records; `{"user": {...}}` a single-object response of them.
                if isList { key = k; owner = keyOwners[k] } else if let o = keyOwners[k + "s"] { key = k + "s"; owner = o }
            }
            out.append(UnclaimedFile(path: relative(path), recordsKey: key, probableEntity: owner?.entity, mappingFile: owner?.file))
        }
        return out
    }

    /// The key (at `keyPath`) of every record of `files`; nil when a record has none or the files cannot be read
    /// whole (then they are not known to hold nothing more). Only for the rare export holding two layouts of one
    /// entity: the keys are held while the layouts are compared.
    static func keys(of files: [SourceFile], keyPath: String, records: String?) -> Set<String>? {
        var reader = MultiFileReader(files: files, options: ReaderOptions(records: records))
        var keys = Set<String>()
        while true {
            let next: ReadItem?
            do { next = try reader.next() } catch { return nil }
            guard let item = next else { return keys }
            switch item {
            case .record(let r):
                guard let k = r.value(at: keyPath)?.scalarText else { return nil }
                keys.insert(k)
            case .problem: return nil
            case .warning: continue
            }
        }
    }

    static func standard(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    /// Data files under `root`, hidden files and folders (`.cstar-io`) left out, symbolic links not followed.
    static func dataFiles(in root: String) -> [String] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: URL(fileURLWithPath: root), includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey],
                                         options: [.skipsHiddenFiles]) else { return [] }
        var out: [String] = []
        for case let url as URL in walker {
            guard out.count < maxFiles else { break }
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            guard values?.isSymbolicLink != true, values?.isRegularFile == true,
                  extensions.contains(url.pathExtension.lowercased()) else { continue }
            out.append(standard(url.path))
        }
        return out.sorted { $0.compare($1, options: [.numeric, .literal]) == .orderedAscending }
    }

    /// The key an API page or single-object response starts with: `{"users": [` or `{"user": {` → `users` / `user`.
    /// Only the first bytes are read; anything else (an array, NDJSON records, CSV) says nothing.
    static func recordsKey(of path: String) -> (String, isList: Bool)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let bytes = Array((try? handle.read(upToCount: peekBytes)) ?? Data())
        var i = 0
        func skipSpace() { while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains(bytes[i]) { i += 1 } }
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), i - start < 100 { i += 1 }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        let key = String(decoding: bytes[start..<i], as: UTF8.self)
        i += 1
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") || bytes[i] == UInt8(ascii: "{"), !key.isEmpty else { return nil }
        return (key, bytes[i] == UInt8(ascii: "["))
    }
}
