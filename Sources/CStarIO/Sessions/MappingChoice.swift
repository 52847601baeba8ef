import Foundation

/// The mapping set a command runs with: a set name (`zendesk`: built-in, or `$CSTAR_IO_MAPPINGS/zendesk/`), the path
/// of a mapping folder or file, or `auto` (recognised from the export folder's files and records). See
/// `MappingSource.resolve` for the rules.
public struct MappingChoice: Sendable {
    public var entities: [EntityMapping]
    /// What was recognised with `auto` (shown unless quiet).
    public var recognition: String?

    /// `auto` could not tell the helpdesk: the message names the candidates and what to pass.
    public struct Unrecognised: Error, CustomStringConvertible {
        public let description: String
    }

    /// `notify` is told, before the set loads, what the user must see whatever the verbosity: a set replaced through
    /// the environment, a folder of the set's name that was not used.
    /// Throws `MappingSourceError` (no such set or path), `MappingErrors` (the mapping does not load) or `Unrecognised`.
    public static func load(_ nameOrPath: String, exportDirectory: String? = nil,
                            notify: (String) -> Void = { _ in }) throws -> MappingChoice {
        if nameOrPath == "auto", let exportDirectory { return try detect(exportDirectory) }
        let source = try MappingSource.resolve(nameOrPath)
        switch source {
        case .override:
            // Not the set this binary was built with: say so, so that a forgotten variable does not go unnoticed.
            notify("Using \(source).")
        case .builtIn(let name) where looksLikeMappingFolder(name):
            notify("note: '\(name)' is the built-in mapping set; for the folder ./\(name) instead, pass --mapping ./\(name)")
        default:
            break
        }
        return MappingChoice(entities: try source.load())
    }

    /// Tries every set (built in, or replaced through $CSTAR_IO_MAPPINGS) on the folder.
    static func detect(_ exportDirectory: String) throws -> MappingChoice {
        var sets: [(name: String, entities: [EntityMapping])] = []
        for name in BuiltInMappingSet.names {
            if let entities = try? MappingSource.resolve(name).load() { sets.append((name, entities)) }
        }
        switch SourceDetector.detect(exportDirectory: exportDirectory, sets: sets) {
        case .recognised(let c):
            let evidence = c.evidence.prefix(4).map(\.description).joined(separator: ", ") + (c.evidence.count > 4 ? ", …" : "")
            return MappingChoice(entities: sets.first { $0.name == c.set }!.entities,
                                 recognition: "Recognised a \(c.set) export (\(evidence)); --from \(c.set) skips this check.")
        case .unsure(let candidates, let reason):
            let listed = candidates.map { "\($0.set) (\($0.evidence.prefix(3).map(\.description).joined(separator: ", ")))" }
            throw Unrecognised(description: "cannot tell which helpdesk '\(exportDirectory)' came from: \(reason)"
                               + (listed.isEmpty ? "" : "; candidates: " + listed.joined(separator: "; "))
                               + ". Name it with --from (\(BuiltInMappingSet.names.joined(separator: ", "))) or give a mapping with --mapping PATH.")
        }
    }

    /// A folder in the working directory with the set's name that holds YAML files: someone may have meant it.
    /// (An export folder called `zendesk` holds JSON or CSV, and needs no note.)
    static func looksLikeMappingFolder(_ name: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: name)) ?? []
        return names.contains { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
    }
}
