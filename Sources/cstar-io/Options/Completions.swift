import ArgumentParser
import CStarIO
import Foundation

/// The values shell completion offers (`cstar-io --generate-completion-script bash|zsh|fish`): formats, resources and
/// mapping sets from the tool itself; profiles and run ids from the user's config and the state folder named on
/// the command line (or ./.cstar-io).
enum Completions {
    static var mappingSets: CompletionKind { .list(["auto"] + BuiltInMappingSet.names) }
    static var exportResources: CompletionKind { .list(ExportResource.allCases.map(\.rawValue)) }
    static var bulkResources: CompletionKind { .list(CStarAPI.bulkResources.map(\.rawValue).sorted()) }
    static var exportFormats: CompletionKind { .list(["csv", "json", "ndjson"]) }
    static var readFormats: CompletionKind { .list(["csv", "json", "ndjson", "xml"]) }

    static var profiles: CompletionKind {
        .custom { _, _, _ in ((try? ProfileStore().all()) ?? []).map(\.name) }
    }

    /// Migration runs (checkpoints.sqlite) of the state folder the words name with --state-dir.
    static var migrationRuns: CompletionKind {
        .custom { words, _, _ in
            let path = (stateDir(words) as NSString).appendingPathComponent(CheckpointStore.fileName)
            guard FileManager.default.fileExists(atPath: path), let runs = try? CheckpointStore(path: path).runs() else { return [] }
            return runs.map { String($0.id.prefix(8)) }
        }
    }

    /// Bulk runs (bulk.sqlite) of the state folder.
    static var bulkRuns: CompletionKind {
        .custom { words, _, _ in
            let path = (stateDir(words) as NSString).appendingPathComponent(BulkSession.journalFile)
            guard FileManager.default.fileExists(atPath: path), let runs = try? BulkJournal(path: path).runs() else { return [] }
            return runs.map(\.id)
        }
    }

    static func stateDir(_ words: [String]) -> String {
        if let i = words.firstIndex(of: "--state-dir"), i + 1 < words.count { return words[i + 1] }
        return ".cstar-io"
    }
}
