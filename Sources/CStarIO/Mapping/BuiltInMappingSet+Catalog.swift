import Foundation

extension BuiltInMappingSet {
    /// One set as `mappings list` shows it: its entities in import order, and what replaces it, if anything.
    public struct CatalogEntry: Sendable {
        public let set: BuiltInMappingSet
        public let entities: [EntityMapping]
        /// Why the set does not load (the test suite keeps this from happening; it is still listed).
        public let loadError: String?
        /// `$CSTAR_IO_MAPPINGS/<name>/`, when it replaces the set.
        public let overriddenBy: String?

        /// `tickets.yaml` from the label `zendesk/tickets.yaml (built-in)` a built-in entity carries as its file.
        public func fileName(_ label: String) -> String {
            set.files.first { set.label($0.name) == label }?.name ?? label
        }

        public var json: JSONValue {
            .object(JSONObject([
                ("name", .string(set.name)), ("fileCount", .int(Int64(set.files.count))),
                ("entities", .array(entities.map { e in
                    .object(JSONObject([("entity", .string(e.entity)), ("target", .string(e.target.rawValue)),
                                        ("file", .string(fileName(e.file))), ("description", e.description.map { .string($0) } ?? .null)]))
                })),
                ("overriddenBy", overriddenBy.map { .string($0) } ?? .null),
            ]))
        }

        /// The set's line, then one line per entity: entity → target  file.
        public var lines: [String] {
            var lines = ["\(set.name)  \(set.files.count) files\(overriddenBy.map { "  (replaced by $\(MappingSource.overrideVariable): \($0))" } ?? "")"]
            if let loadError { lines.append("  does not load: \(loadError)") }
            let rows = entities.map { [$0.entity, $0.target.rawValue, fileName($0.file)] }
            let widths = (0..<2).map { i in rows.map { $0[i].count }.max() ?? 0 }
            for row in rows {
                lines.append("  " + row[0].padding(toLength: widths[0], withPad: " ", startingAt: 0) + "  → "
                             + row[1].padding(toLength: widths[1], withPad: " ", startingAt: 0) + "  " + row[2])
            }
            return lines
        }
    }

    /// Every built-in set, loaded.
    public static var catalog: [CatalogEntry] {
        all.map { set in
            let loaded = Result { try MappingSet.load(builtIn: set) }
            var loadError: String?
            if case .failure(let error) = loaded { loadError = "\(error)" }
            return CatalogEntry(set: set, entities: (try? loaded.get().entities) ?? [], loadError: loadError,
                                overriddenBy: overrideDirectory(set.name))
        }
    }

    /// `$CSTAR_IO_MAPPINGS/<name>/`, when it exists: what the other commands use instead of the built-in set.
    public static func overrideDirectory(_ name: String) -> String? {
        if case .override(_, let directory) = try? MappingSource.resolve(name) { return directory }
        return nil
    }

    /// What `copy(into:force:)` did.
    public struct Copied: Sendable {
        public let paths: [String]
        /// Files of the set that were already there (overwritten, with `force`).
        public let overwritten: [String]
        /// Other YAML files in the folder: they would be read as part of the set.
        public let others: [String]
    }

    public enum CopyError: Error, CustomStringConvertible {
        case notAFolder(String)
        case filesExist(folder: String, names: [String])
        case cannotWrite(folder: String, reason: String)

        public var description: String {
            switch self {
            case .notAFolder(let dir): return "'\(dir)' is a file, not a folder."
            case .filesExist(let dir, let names):
                return "\(dir) already has \(names.joined(separator: ", ")); nothing was written. Pass --force to overwrite \(names.count == 1 ? "it" : "them")."
            case .cannotWrite(let dir, let reason): return "cannot write the mapping files into \(dir): \(reason)"
            }
        }
    }

    /// Writes the set's files into `folder` (created if missing). Files of the same name are overwritten only with
    /// `force`; without it nothing at all is written when one exists.
    public func copy(into folder: String, force: Bool) throws -> Copied {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: folder, isDirectory: &isDir), !isDir.boolValue { throw CopyError.notAFolder(folder) }
        let path = { (file: MappingFile) in (folder as NSString).appendingPathComponent(file.name) }
        let existing = files.filter { fm.fileExists(atPath: path($0)) }.map(\.name)
        if !existing.isEmpty && !force { throw CopyError.filesExist(folder: folder, names: existing) }
        let others = ((try? fm.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && file(named: $0)?.name != $0 }.sorted()
        do {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for file in files { try file.text.write(toFile: path(file), atomically: true, encoding: .utf8) }
        } catch {
            throw CopyError.cannotWrite(folder: folder, reason: error.localizedDescription)
        }
        return Copied(paths: files.map(path), overwritten: existing, others: others)
    }
}
