/// One mapping file's name and exact text.
public struct MappingFile: Sendable, Equatable {
    /// The file name (`tickets.yaml`).
    public let name: String
    /// The YAML, byte for byte as it was in the file.
    public let text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// A mapping set compiled into the binary: the YAML files of the package's `Mappings/<name>/` when it was built
/// (the EmbedMappings build plugin writes them into this module), so an installed binary needs no files beside it.
public struct BuiltInMappingSet: Sendable {
    /// The set's name, as `--from` and `--mapping` take it (`zendesk`).
    public let name: String
    /// Its files, sorted by name.
    public let files: [MappingFile]

    public init(name: String, files: [MappingFile]) {
        self.name = name
        self.files = files
    }

    /// Every built-in set, sorted by name.
    public static var all: [BuiltInMappingSet] { embedded }

    /// The names of the built-in sets, sorted.
    public static var names: [String] { embedded.map(\.name) }

    /// The built-in set with this name, if there is one.
    public static func named(_ name: String) -> BuiltInMappingSet? {
        embedded.first { $0.name == name }
    }

    /// How messages name one of the set's files, so that nobody looks for it on disk: `zendesk/tickets.yaml (built-in)`.
    public func label(_ file: String) -> String { "\(name)/\(file) (built-in)" }

    /// The file with this name; `tickets` finds `tickets.yaml` (or `.yml`).
    public func file(named name: String) -> MappingFile? {
        files.first { $0.name == name } ?? files.first { $0.name == "\(name).yaml" || $0.name == "\(name).yml" }
    }
}
