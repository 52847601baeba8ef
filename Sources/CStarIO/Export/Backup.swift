import CStarHash
import Foundation

/// A backup's `manifest.json`: what the folder holds and how to check it. Never holds an API key.
public struct BackupManifest: Sendable {
    public struct File: Sendable {
        public var resource: String
        public var file: String
        public var rows: Int
        public var bytes: Int
        public var sha256: String
    }

    public static let fileName = "manifest.json"
    public static let tool = "cstar-io"
    public static let formatVersion: Int64 = 1

    public var version: String
    public var apiBaseURL: String
    public var teamId: String?
    public var createdAt: String
    public var files: [File]

    public var json: JSONValue {
        .object(JSONObject([
            ("tool", .string(Self.tool)), ("version", .string(version)), ("formatVersion", .int(Self.formatVersion)),
            ("apiBaseURL", .string(apiBaseURL)), ("teamId", teamId.map { .string($0) } ?? .null), ("createdAt", .string(createdAt)),
            ("files", .array(files.map { f in
                .object(JSONObject([("resource", .string(f.resource)), ("file", .string(f.file)), ("rows", .int(Int64(f.rows))),
                                    ("bytes", .int(Int64(f.bytes))), ("sha256", .string(f.sha256))]))
            })),
        ]))
    }

    /// Parses and checks a manifest; every problem names the manifest.
    public static func parse(_ bytes: [UInt8], path: String) throws -> BackupManifest {
        let v: JSONValue
        do { v = try JSONParser.parse(bytes, name: path) } catch {
            throw BackupError("\(path) is not valid JSON (\(error)); the backup is damaged")
        }
        guard v["tool"]?.stringValue == tool else { throw BackupError("\(path) was not written by cstar-io (no \"tool\": \"cstar-io\")") }
        guard let fv = v["formatVersion"]?.intValue, fv == formatVersion else {
            throw BackupError("\(path) has backup format version \(v["formatVersion"].map { JSONSerializer.string($0) } ?? "none"); this cstar-io reads version \(formatVersion)")
        }
        guard let items = v["files"]?.arrayValue else { throw BackupError("\(path) has no \"files\" list") }
        var files: [File] = []
        for (i, item) in items.enumerated() {
            guard let resource = item["resource"]?.stringValue, let file = item["file"]?.stringValue,
                  let rows = item["rows"]?.intValue, let bytes = item["bytes"]?.intValue, let sha = item["sha256"]?.stringValue else {
                throw BackupError("\(path): files[\(i)] lacks resource, file, rows, bytes or sha256")
            }
            guard !file.contains("/"), !file.hasPrefix("."), !file.isEmpty else {
                throw BackupError("\(path): files[\(i)] names '\(file)', which is not a plain file name in the backup folder")
            }
            files.append(File(resource: resource, file: file, rows: Int(rows), bytes: Int(bytes), sha256: sha.lowercased()))
        }
        return BackupManifest(version: v["version"]?.stringValue ?? "?", apiBaseURL: v["apiBaseURL"]?.stringValue ?? "",
                              teamId: v["teamId"]?.stringValue, createdAt: v["createdAt"]?.stringValue ?? "", files: files)
    }
}

/// A backup that cannot be written, or cannot be trusted; the message names the file and what is wrong.
public struct BackupError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A finished backup.
public struct BackupResult: Sendable {
    public var path: String
    public var manifest: BackupManifest
    public var removed: [String] = []
}

/// Writes every resource of a team into `DIR/cstar-backup-<UTC time>/` (one NDJSON file per resource and a
/// manifest). The folder is built under a hidden temporary name and renamed only when complete, so a
/// `cstar-backup-*` folder is always a whole backup.
public struct BackupWriter {
    public let exporter: ResourceExporter
    public static let prefix = "cstar-backup-"

    public init(exporter: ResourceExporter) {
        self.exporter = exporter
    }

    public static func folderName(for date: Date) -> String {
        var secs = time_t(date.timeIntervalSince1970.rounded(.down))
        var t = tm()
        gmtime_r(&secs, &t)
        return prefix + String(format: "%04d%02d%02dT%02d%02d%02dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    }

    public func write(into directory: String, now: Date = Date(), progress: (String, Int) -> Void = { _, _ in }) async throws -> BackupResult {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var name = Self.folderName(for: now)
        var n = 2
        while fm.fileExists(atPath: (directory as NSString).appendingPathComponent(name)) {
            name = Self.folderName(for: now) + "-\(n)"
            n += 1
        }
        let final = (directory as NSString).appendingPathComponent(name)
        let temp = (directory as NSString).appendingPathComponent(".\(name).incomplete-\(getpid())")
        try? fm.removeItem(atPath: temp)
        try fm.createDirectory(atPath: temp, withIntermediateDirectories: false)
        do {
            var written: [ExportResource: WrittenFile] = [:]
            for resource in ExportResource.backupSet where resource != .groupMembers {
                let path = (temp as NSString).appendingPathComponent(resource.backupFile)
                let writer = try RecordFileWriter(path: path, format: .ndjson)
                if resource == .customerGroups {
                    let members = try RecordFileWriter(path: (temp as NSString).appendingPathComponent(ExportResource.groupMembers.backupFile), format: .ndjson)
                    try await exporter.forEachRow(.customerGroups, onMember: { try members.write($0) }) { try writer.write($0) }
                    written[.groupMembers] = try members.finish()
                    progress(ExportResource.groupMembers.rawValue, written[.groupMembers]!.rows)
                } else {
                    try await exporter.forEachRow(resource, includeMessages: resource == .tickets) { try writer.write($0) }
                }
                written[resource] = try writer.finish()
                progress(resource.rawValue, written[resource]!.rows)
            }
            let manifest = BackupManifest(
                version: CStarIOVersion.current, apiBaseURL: Self.safeURL(exporter.client.target.baseURL),
                teamId: CStarAPI.teamId(baseURL: exporter.client.target.baseURL), createdAt: Self.timestamp(now),
                files: ExportResource.backupSet.compactMap { r in
                    written[r].map { BackupManifest.File(resource: r.rawValue, file: r.backupFile, rows: $0.rows, bytes: $0.bytes, sha256: $0.sha256) }
                })
            let m = try LineWriter(path: (temp as NSString).appendingPathComponent(BackupManifest.fileName))
            try m.write(JSONSerializer.bytes(manifest.json) + [10])
            try m.commit()
            guard rename(temp, final) == 0 else {
                throw BackupError("cannot move the finished backup into place at \(final): \(String(cString: strerror(errno)))")
            }
            return BackupResult(path: final, manifest: manifest)
        } catch {
            try? fm.removeItem(atPath: temp)
            throw error
        }
    }

    /// The base URL without user info or query (a key must never reach the manifest).
    static func safeURL(_ url: String) -> String {
        guard var c = URLComponents(string: url) else { return APIKey.redact(url) }
        c.user = nil
        c.password = nil
        c.query = nil
        return APIKey.redact(c.string ?? url)
    }

    static func timestamp(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: d)
    }
}

/// `--keep N`: removes the oldest complete backups beyond N. Only folders named `cstar-backup-<time>` holding
/// a cstar-io manifest count; incomplete (hidden temporary) and foreign folders are never touched.
public enum BackupRetention {
    public static func completeBackups(in directory: String) -> [String] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { name in
            guard isBackupName(name) else { return false }
            let manifest = (directory as NSString).appendingPathComponent("\(name)/\(BackupManifest.fileName)")
            guard let data = fm.contents(atPath: manifest) else { return false }
            return (try? BackupManifest.parse(Array(data), path: manifest)) != nil
        }.sorted { order($0) < order($1) }
    }

    /// Oldest first: by the time in the name, then by the `-N` suffix of backups taken in the same second.
    static func order(_ name: String) -> (String, Int) {
        let stamp = String(name.prefix(BackupWriter.prefix.count + 16))
        let suffix = name.dropFirst(stamp.count).dropFirst()
        return (stamp, suffix.isEmpty ? 1 : Int(suffix) ?? 0)
    }

    /// `cstar-backup-YYYYMMDDTHHMMSSZ` with an optional `-N` suffix.
    static func isBackupName(_ name: String) -> Bool {
        guard name.hasPrefix(BackupWriter.prefix) else { return false }
        let rest = Array(name.dropFirst(BackupWriter.prefix.count).utf8)
        guard rest.count >= 16 else { return false }
        let digits: (ArraySlice<UInt8>) -> Bool = { $0.allSatisfy { (48...57).contains($0) } }
        guard digits(rest[0..<8]), rest[8] == 84, digits(rest[9..<15]), rest[15] == 90 else { return false }
        let tail = rest[16...]
        return tail.isEmpty || (tail.first == 45 && tail.count > 1 && digits(tail.dropFirst()))
    }

    /// Sorts by name (the UTC time in the name), keeps the newest `keep`, removes the rest; returns removed paths.
    public static func prune(_ directory: String, keep: Int) throws -> [String] {
        let all = completeBackups(in: directory)
        guard all.count > keep else { return [] }
        let doomed = all.prefix(all.count - keep).map { (directory as NSString).appendingPathComponent($0) }
        for path in doomed { try FileManager.default.removeItem(atPath: path) }
        return doomed
    }
}

/// Checks a backup completely before anything is written to a team: the manifest, each file's size and
/// SHA-256, and that every line of every file parses, with the row count the manifest states.
public enum BackupVerifier {
    @discardableResult
    public static func verify(_ directory: String) throws -> BackupManifest {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw BackupError("'\(directory)' is not a folder; pass a backup folder (cstar-backup-…)")
        }
        let manifestPath = (directory as NSString).appendingPathComponent(BackupManifest.fileName)
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw BackupError("\(manifestPath) is missing: '\(directory)' is not a complete cstar-io backup")
        }
        let manifest = try BackupManifest.parse(Array(data), path: manifestPath)
        for f in manifest.files {
            let path = (directory as NSString).appendingPathComponent(f.file)
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: path), let size = (attrs[.size] as? NSNumber)?.intValue else {
                throw BackupError("\(path) is missing (the manifest lists it)")
            }
            if size < f.bytes {
                throw BackupError("\(path) is truncated: it has \(size) bytes, the manifest says \(f.bytes)")
            }
            if size > f.bytes {
                throw BackupError("\(path) has \(size) bytes, the manifest says \(f.bytes): it was changed after the backup")
            }
            let sha = try sha256(of: path)
            guard sha == f.sha256 else {
                throw BackupError("\(path) fails its checksum (sha256 \(sha.prefix(12))…, the manifest says \(f.sha256.prefix(12))…): the file is corrupted or was changed")
            }
            var reader = try NDJSONRecordReader(path: path)
            var rows = 0
            while let item = try reader.next() {
                switch item {
                case .record: rows += 1
                case .warning: continue
                case .problem(let p): throw BackupError("\(path) is corrupted: line \(p.line): \(p.message)")
                }
            }
            guard rows == f.rows else {
                throw BackupError("\(path) holds \(rows) records, the manifest says \(f.rows)")
            }
        }
        return manifest
    }

    static func sha256(of path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { throw BackupError("\(path) cannot be read") }
        defer { try? h.close() }
        var hash = SHA256()
        while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty { hash.update(chunk) }
        return hash.hexDigest()
    }
}
