import CStarHash
import Foundation
import Logging

/// The run's on-disk index: lookup files, child files and `latestBy` versions, built before an entity's records are
/// mapped; children no parent claimed are accounted as rejected.
extension Pipeline {
    func buildIndexes(for mapping: EntityMapping, summary: inout EntitySummary) throws {
        for spec in mapping.indexes where !builtIndexes.contains(spec.name) {
            var reader = MultiFileReader(files: SourceFiles.matches(spec.source, in: exportDirectory), options: ReaderOptions(records: spec.source.records))
            let n = try index.buildSourceIndex(name: spec.name, reader: &reader, keyPath: spec.key, versionPaths: spec.latestBy)
            logger.debug("index built", metadata: ["index": "\(spec.name)", "records": "\(n)"])
            builtIndexes.insert(spec.name)
        }
        for child in mapping.children {
            let id = "\(mapping.entity).\(child.target)"
            guard !builtChildren.contains(id) else { continue }
            builtChildren.insert(id)
            for source in child.sources {
                var reader = MultiFileReader(files: SourceFiles.matches(source.spec, in: exportDirectory), options: ReaderOptions(records: source.spec.records))
                let result = try index.buildChildIndex(entity: mapping.entity, child: child.target, reader: &reader, source: source,
                                                       childKey: child.key, order: child.order, conditions: child.conditions)
                summary.childRead += result.indexed + result.duplicates + result.problems.count
                summary.childSkipped += result.duplicates
                summary.childRejected += result.problems.count
                if result.duplicates > 0 { summary.notes["\(child.target) met twice (same \(child.key ?? "key")), kept once", default: 0] += result.duplicates }
                for p in result.problems {
                    try rejects.write(Diagnostic(location: SourceLocation(file: p.file, line: p.line, index: 0), entity: id, field: nil,
                                                 code: "unreadable", message: p.message), record: nil)
                }
                logger.debug("child index built", metadata: ["children": "\(id)", "records": "\(result.indexed)"])
            }
        }
        if let version = mapping.latestBy {
            var reader = MultiFileReader(files: SourceFiles.matches(mapping.source, in: exportDirectory), options: ReaderOptions(records: mapping.source.records))
            let (records, keys) = try index.buildLatest(entity: mapping.entity, reader: &reader, keyPath: mapping.key, versionPaths: [version] + mapping.latestTieBreak)
            if records > keys { logger.info("\(mapping.entity): \(records - keys) records met again in later pages; the latest '\(version)' of each is kept") }
        }
    }

    /// Children no mapped parent took: those of skipped parents are skipped, of rejected parents rejected with them,
    /// and those whose parent is not in the export are rejected (one rejects-file entry per parent).
    func accountUnclaimedChildren(of mapping: EntityMapping, summary: inout EntitySummary) throws {
        for child in mapping.children where !child.sources.isEmpty {
            for group in try index.unclaimedChildren(entity: mapping.entity, child: child.target) {
                switch group.outcome {
                case "skipped"?: summary.childSkipped += group.count
                case "rejected"?: summary.childRejected += group.count
                default:
                    summary.childRejected += group.count
                    try rejects.write(Diagnostic(location: SourceLocation(file: group.file, line: group.line, index: 0), entity: "\(mapping.entity).\(child.target)",
                                                 field: child.sources.first?.parentKey, code: "no_parent",
                                                 message: "\(group.count) \(child.target) of \(mapping.entity) '\(group.parentKey)', which is not in the export: not migrated"),
                                      record: nil)
                }
            }
        }
    }
}
