import Foundation

/// The mapping files of one source helpdesk (`Mappings/zendesk/*.yaml`), in dependency order.
public struct MappingSet: Sendable {
    /// Where the set was read from: a folder's path, or `zendesk (built-in)` for a set compiled into the binary.
    public let origin: String
    public let entities: [EntityMapping]

    /// Order in which targets are imported: what others refer to comes first.
    static let order: [TargetResource] = [.customFields, .customerGroups, .customers, .groupMemberships, .categories, .articles, .tickets, .settings]

    /// Loads and checks every `.yaml`/`.yml` file of a folder; all problems of all files are reported at once.
    public static func load(directory: String) throws -> MappingSet {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw MappingErrors(errors: [MappingError(file: directory, line: 0, column: 0, key: "", message: "no such mapping folder")])
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        return try assemble(origin: directory, emptyMessage: "no .yaml mapping files in this folder", names.map { name in
            { try EntityMapping.load(path: (directory as NSString).appendingPathComponent(name)) }
        })
    }

    /// Loads and checks a set compiled into the binary; errors name its files as `zendesk/tickets.yaml (built-in)`.
    public static func load(builtIn set: BuiltInMappingSet) throws -> MappingSet {
        try assemble(origin: "\(set.name) (built-in)", emptyMessage: "the built-in set has no mapping files", set.files.map { file in
            { try EntityMapping.parse(yaml: file.text, file: set.label(file.name)) }
        })
    }

    /// Checks the set as a whole (unique entities, references, fallbacks) and sorts it in dependency order.
    static func assemble(origin: String, emptyMessage: String, _ files: [() throws -> EntityMapping]) throws -> MappingSet {
        var entities: [EntityMapping] = []
        var errors: [MappingError] = []
        for load in files {
            do {
                entities.append(try load())
            } catch let e as MappingErrors {
                errors += e.errors
            }
        }
        var seen: [String: String] = [:]
        for e in entities {
            if let other = seen[e.entity] {
                errors.append(MappingError(file: e.file, line: 1, column: 1, key: "entity", message: "entity '\(e.entity)' is also defined in \(other)"))
            }
            seen[e.entity] = e.file
        }
        // References must name an entity of the set; a CSV stand-in counts as the entity it stands in for.
        let entityNames = Set(entities.map(\.entity))
        for e in entities {
            for rule in e.fields + e.children.flatMap(\.fields) {
                for t in rule.transforms {
                    if case .ref(let target, _) = t, !entityNames.contains(target) {
                        errors.append(MappingError(file: e.file, line: rule.line, column: 1, key: "fields.\(rule.target)",
                                                   message: "ref to entity '\(target)', which no mapping in \(origin) defines (entities: \(entityNames.sorted().joined(separator: ", ")))"))
                    }
                }
            }
            if let f = e.fallbackFor, !entityNames.contains(f) {
                errors.append(MappingError(file: e.file, line: 1, column: 1, key: "fallbackFor", message: "fallbackFor names '\(f)', which no mapping defines"))
            }
        }
        if entities.isEmpty && errors.isEmpty {
            errors.append(MappingError(file: origin, line: 0, column: 0, key: "", message: emptyMessage))
        }
        if !errors.isEmpty { throw MappingErrors(errors: errors) }
        entities.sort { (order.firstIndex(of: $0.target) ?? 99, $0.entity) < (order.firstIndex(of: $1.target) ?? 99, $1.entity) }
        return MappingSet(origin: origin, entities: entities)
    }
}
