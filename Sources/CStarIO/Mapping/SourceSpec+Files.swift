/// The files a mapping reads, found by its source specs (`SourceFiles` does the matching; this is the mapping side).
extension SourceFiles {
    /// Files a source spec reads: every match of every pattern, or with `firstMatch` only the first pattern's.
    public static func resolve(_ source: SourceSpec, in directory: String) -> [String] {
        matches(source, in: directory).map(\.path)
    }

    public static func matches(_ source: SourceSpec, in directory: String) -> [SourceFile] {
        let own = ownMatches(source, in: directory)
        guard !source.sideloads.isEmpty else { return own }
        let read = Set(own.map(\.path))
        return own + matches(source.sideloads, in: directory).filter { !read.contains($0.path) }.map {
            SourceFile(path: $0.path, fields: [:], sideload: true)
        }
    }

    /// The files of the spec's own patterns, side-loads left out: what decides whether an entity "found its files"
    /// (a fallback such as the users CSV stands in for the JSON users only when those are absent, whatever ticket
    /// pages may side-load).
    public static func ownMatches(_ source: SourceSpec, in directory: String) -> [SourceFile] {
        guard source.firstMatch else { return matches(source.files, in: directory) }
        for group in source.groups.isEmpty ? source.files.map({ [$0] }) : source.groups {
            let found = matches(group, in: directory)
            if !found.isEmpty { return found }
        }
        return []
    }

    /// Every file a set of mappings reads: sources, indexes and child files.
    public static func all(for mappings: [EntityMapping], in directory: String) -> [String] {
        mappings.flatMap { m in
            resolve(m.source, in: directory) + m.indexes.flatMap { resolve($0.source, in: directory) }
                + m.children.flatMap(\.sources).flatMap { resolve($0.spec, in: directory) }
        }
    }
}
