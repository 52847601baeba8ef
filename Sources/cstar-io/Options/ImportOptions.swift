import ArgumentParser
import CStarIO

/// How the import engine sends records: shared by `migrate` and `restore`.
struct ImportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Records per import request (1–500).", valueName: "n"))
    var batchSize: Int = CStarAPI.maxImportRecords

    @Option(help: ArgumentHelp("What cStar does with records it already has: skip or update.", valueName: "strategy"))
    var mergeStrategy: String = "skip"

    @Option(help: ArgumentHelp("Import batches in flight at once (1–16).", valueName: "n"))
    var concurrency: Int = 4

    @Option(help: ArgumentHelp("Use at most this many requests per hour (leave room for other integrations).", valueName: "n"))
    var maxRequestsPerHour: Int?

    @Option(help: ArgumentHelp("Also write the run as a self-contained HTML report (what moved, rejects by reason, fields left behind, requests, timeline, read-back) to this file.", valueName: "file.html"),
            completion: .file(extensions: ["html"]))
    var report: String?

    @Flag(help: "Abandon an unfinished run whose source files or mappings changed since, and start a new one (records already in cStar are matched and skipped).")
    var restart = false

    @Flag(help: "Delta migration over a newer export: records earlier runs delivered to this team are compared with what they sent; changed fields are updated, tickets get the messages they lack appended, unchanged records cost no request (docs/cutover.md).")
    var delta = false

    @Flag(help: "With --delta: delete from cStar the records earlier runs delivered that this export no longer holds (otherwise they are only reported).")
    var deleteMissing = false

    @Option(help: ArgumentHelp("With --delta over a full export: compare only records updated at or after this time (ISO 8601, e.g. 2026-12-01T00:00:00Z; the mapping's latestBy field, else updated_at); the rest are skipped unread, and records missing from the export are not reported.", valueName: "time"))
    var since: String?

    func validate() throws {
        guard (1...CStarAPI.maxImportRecords).contains(batchSize) else {
            throw ValidationError("--batch-size must be from 1 to \(CStarAPI.maxImportRecords) (cStar's import limit).")
        }
        guard (1...16).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 16.") }
        if let m = maxRequestsPerHour, m < 1 { throw ValidationError("--max-requests-per-hour must be at least 1.") }
        if deleteMissing && !delta { throw ValidationError("--delete-missing works with --delta only.") }
        if since != nil && !delta { throw ValidationError("--since works with --delta only.") }
        if since != nil && deleteMissing { throw ValidationError("--since and --delete-missing exclude each other: with --since the export is read as incremental, so what it lacks is not deleted.") }
        if let s = since, DateParsing.normalise(.string(s), format: .iso8601) == nil { throw ValidationError("--since must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z.") }
        guard CStarAPI.MergeStrategy(rawValue: mergeStrategy) != nil else {
            throw ValidationError("--merge-strategy must be 'skip' or 'update'.")
        }
    }

    var strategy: CStarAPI.MergeStrategy { CStarAPI.MergeStrategy(rawValue: mergeStrategy) ?? .skip }

    var settings: ImportSettings {
        var s = ImportSettings(batchSize: batchSize, mergeStrategy: strategy, concurrency: concurrency, restart: restart, delta: delta, deleteMissing: deleteMissing)
        s.collectsCoverage = report != nil
        s.since = since.flatMap { DateParsing.normalise(.string($0), format: .iso8601) }
        return s
    }
}
