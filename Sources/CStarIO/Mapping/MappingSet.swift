import Foundation

/// The mapping files of one source helpdesk (`Mappings/zendesk/*.yaml`), in dependency order.
public struct MappingSet: Sendable {
    public let directory: String
    public let entities: [EntityMapping]

    /// Order in which targets are imported: what others refer to comes first.
    static let order: [TargetResource] = [.customFields, .customerGroups, .customers, .groupMemberships, .categories, .articles, .tickets, .settings]

    public static func load(directory: String) throws -> MappingSet {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw MappingErrors(errors: [MappingError(file: directory, line: 0, column: 0, key: "", message: "no such mapping folder")])
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var entities: [EntityMapping] = []
        var errors: [MappingError] = []
        for name in names {
            do {
                entities.append(try EntityMapping.load(path: (directory as NSString).appendingPathComponent(name)))
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
                                                   message: "ref to entity '\(target)', which no mapping in \(directory) defines (entities: \(entityNames.sorted().joined(separator: ", ")))"))
                    }
                }
            }
            if let f = e.fallbackFor, !entityNames.contains(f) {
                errors.append(MappingError(file: e.file, line: 1, column: 1, key: "fallbackFor", message: "fallbackFor names '\(f)', which no mapping defines"))
            }
        }
        if entities.isEmpty && errors.isEmpty {
            errors.append(MappingError(file: directory, line: 0, column: 0, key: "", message: "no .yaml mapping files in this folder"))
        }
        if !errors.isEmpty { throw MappingErrors(errors: errors) }
        entities.sort { (order.firstIndex(of: $0.target) ?? 99, $0.entity) < (order.firstIndex(of: $1.target) ?? 99, $1.entity) }
        return MappingSet(directory: directory, entities: entities)
    }

    /// Where `Mappings/<source>` is: `$CSTAR_IO_MAPPINGS`, then the current folder and its parents, then the
    /// executable's folder and its parents (a checkout's `.build/debug/cstar-io` finds the checkout's Mappings).
    public static func locate(source: String, executablePath: String = CommandLine.arguments[0]) -> String? {
        var roots: [String] = []
        if let env = ProcessInfo.processInfo.environment["CSTAR_IO_MAPPINGS"], !env.isEmpty { roots.append(env) }
        var dir = FileManager.default.currentDirectoryPath
        for _ in 0..<6 { roots.append((dir as NSString).appendingPathComponent("Mappings")); dir = (dir as NSString).deletingLastPathComponent }
        var exe = (URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent
        for _ in 0..<6 {
            roots.append((exe as NSString).appendingPathComponent("Mappings"))
            roots.append((exe as NSString).appendingPathComponent("share/cstar-io/Mappings"))
            exe = (exe as NSString).deletingLastPathComponent
        }
        for root in roots {
            let candidate = (root as NSString).appendingPathComponent(source)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), isDir.boolValue { return candidate }
        }
        return nil
    }
}
