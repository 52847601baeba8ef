import Foundation
import Logging

/// How the import engine sends records (`migrate` and `restore` share it).
public struct ImportSettings: Sendable {
    public var batchSize: Int
    public var mergeStrategy: CStarAPI.MergeStrategy
    public var concurrency: Int
    /// Abandon an unfinished run whose inputs changed, instead of refusing.
    public var restart: Bool
    /// Compare records earlier runs delivered with what they sent: update what changed, append new messages,
    /// skip the rest without a request (`DeltaDeliverer`).
    public var delta: Bool
    /// With `delta`: delete from cStar the records earlier runs delivered that the export no longer holds.
    public var deleteMissing: Bool
    /// With `delta`: only records updated at or after this ISO 8601 instant are compared (the rest are skipped
    /// unread); records missing from the export are then not reported, as the export is taken as incremental.
    public var since: String?
    /// Count the source fields each mapping leaves behind (for the report), as `plan` does.
    public var collectsCoverage = false
    /// Count each entity's records before sending them (a second read), so progress has a total: for a person
    /// watching, not for scripts (--json, --quiet).
    public var countsRecordsFirst = false

    public init(batchSize: Int = CStarAPI.maxImportRecords, mergeStrategy: CStarAPI.MergeStrategy = .skip, concurrency: Int = 4, restart: Bool = false,
                delta: Bool = false, deleteMissing: Bool = false) {
        self.batchSize = batchSize
        self.mergeStrategy = mergeStrategy
        self.concurrency = concurrency
        self.restart = restart
        self.delta = delta
        self.deleteMissing = deleteMissing
    }
}

/// One run of the import engine, as `migrate` and `restore` run it: open the checkpoint store, check the mappings
/// against the files, resume (or refuse, or restart) an unfinished run, stream the export folder through the
/// mappings into cStar, and finish the run with its summary. The caller owns the target (and the embedded sandbox),
/// the state-folder lock, and everything shown to a person; the session only reports what happens (`Event`) and
/// returns or throws what was decided. One path, so restore is exactly as resumable and exactly-once as migrate.
public struct MigrationSession {
    public let exportDirectory: String
    public let stateDirectory: String
    public let entities: [EntityMapping]
    public let client: CStarClient
    public let settings: ImportSettings
    public let logger: Logger

    public init(exportDirectory: String, stateDirectory: String, entities: [EntityMapping], client: CStarClient, settings: ImportSettings, logger: Logger) {
        self.exportDirectory = exportDirectory
        self.stateDirectory = stateDirectory
        self.entities = entities
        self.client = client
        self.settings = settings
        self.logger = logger
    }

    /// What the session tells while it runs.
    public enum Event: Sendable {
        /// Fields the first records of a built-in set's JSON files lack (dumps may leave fields out).
        case missingFields([String])
        case resuming(runId: String, startedAt: String, committedBatches: Int, committedRecords: Int)
        case restarted(abandonedRunId: String)
        case progress(PipelineProgress)
    }

    /// Fields the mapping names that the files lack, in the user's own mapping (or any CSV): nothing was sent.
    public struct MissingFields: Error, CustomStringConvertible {
        public let problems: [String]
        public var description: String {
            problems.joined(separator: "\n") + "\nNothing was sent. Fix the field names in the mapping, or mark a rule `optional: true` when exports may lack that field."
        }
    }

    /// An unfinished run of this export and target exists, but its inputs changed since: continuing it would not be
    /// safe, and `restart` was not asked for. Nothing was sent.
    public struct RunConflict: Error, CustomStringConvertible {
        public let runId: String
        public let startedAt: String
        public var description: String {
            """
            an unfinished run (\(runId.prefix(8)), started \(startedAt)) exists for this export and target, but the \
            export files, the mappings, or the options that shape its batches (--batch-size, --merge-strategy) changed \
            since. Re-running would not continue it safely. Restore them, or pass --restart to abandon it and start a \
            new run (records already in cStar are matched and skipped).
            """
        }
    }

    public struct Outcome: Sendable {
        public var runId: String
        public var resumed: Bool
        public var summary: MigrationSummary
        public var verdict: Verdict { summary.verdict }
    }

    /// Runs the import. `beforeNewRun` runs once before a new run is recorded (not when resuming): restore's check
    /// that it may write into a team that already holds data. `afterImport` runs with the same client once every
    /// entity is done (restore's tags) and may add to the summary.
    public func run(beforeNewRun: (() async throws -> Void)? = nil,
                    afterImport: ((_ runId: String, inout MigrationSummary) async throws -> Void)? = nil,
                    onEvent: @escaping @Sendable (Event) -> Void = { _ in }) async throws -> Outcome {
        try PrivateFiles.prepareFolder(stateDirectory)
        let store = try CheckpointStore(path: (stateDirectory as NSString).appendingPathComponent(CheckpointStore.fileName))
        let source = URL(fileURLWithPath: exportDirectory).standardizedFileURL.path
        try Pipeline.requireFiles(entities, in: exportDirectory)
        // A field the first records do not have: in your own mapping (or a CSV header) a mistake to fix before
        // anything is sent; in a built-in set over JSON, where dumps may leave fields out, a warning.
        let missing = Preflight.missingFields(entities, in: exportDirectory)
        let builtIn = entities.allSatisfy { $0.file.hasSuffix("(built-in)") }
        let fatal = missing.filter { !builtIn || $0.contains(".csv") }
        if !fatal.isEmpty { throw MissingFields(problems: fatal) }
        if !missing.isEmpty { onEvent(.missingFields(missing)) }

        let identity = client.target.identity
        let files = SourceFiles.all(for: entities, in: exportDirectory)
        // Everything that shapes the batches is part of the run's identity (concurrency is not: it only changes timing).
        let fingerprint = CheckpointStore.fingerprint(mappings: entities, sourceFiles: files, target: identity,
                                                      options: "batch-size \(settings.batchSize) merge \(settings.mergeStrategy.rawValue) max-bytes \(CStarAPI.maxRequestBytes)"
                                                        + (settings.delta ? " delta\(settings.deleteMissing ? " delete-missing" : "")\(settings.since.map { " since \($0)" } ?? "")" : ""))
        let runId: String
        var resumed = false
        if let open = try store.unfinishedRun(source: source, target: identity) {
            if open.fingerprint == fingerprint {
                runId = open.id
                resumed = true
                onEvent(.resuming(runId: open.id, startedAt: open.startedAt, committedBatches: open.committedBatches, committedRecords: open.committedRecords))
            } else if settings.restart {
                try store.abandon(runId: open.id)
                runId = try store.startRun(fingerprint: fingerprint, source: source, target: identity, kind: settings.delta ? "delta" : "migrate")
                onEvent(.restarted(abandonedRunId: open.id))
            } else {
                throw RunConflict(runId: open.id, startedAt: open.startedAt)
            }
        } else {
            try await beforeNewRun?()
            runId = try store.startRun(fingerprint: fingerprint, source: source, target: identity, kind: settings.delta ? "delta" : "migrate")
        }
        let sink = CStarSink(client: client, store: store, runId: runId, batchSize: settings.batchSize, mergeStrategy: settings.mergeStrategy,
                             concurrency: settings.concurrency, delta: settings.delta, deleteMissing: settings.deleteMissing,
                             reportsAbsent: settings.since == nil, logger: logger)
        let pipeline = try Pipeline(exportDirectory: exportDirectory, stateDirectory: stateDirectory, sink: sink, logger: logger)
        pipeline.countsRecordsFirst = settings.countsRecordsFirst
        pipeline.since = settings.since
        pipeline.collectsCoverage = settings.collectsCoverage
        let started = Date().timeIntervalSince1970
        let recorder = TimelineRecorder(start: started)
        var summary = try await pipeline.run(entities) { event in
            recorder.note(event)
            onEvent(.progress(event))
        }
        var timeline = recorder.timeline
        timeline.waits = await client.budget.waitLog.map { RunTimeline.Wait(at: $0.start - started, seconds: $0.seconds) }
        summary.timeline = timeline
        summary.rejectGroups = RejectGroups.summarize(pipeline.rejectsPath)
        summary.quotaLimit = client.budget.snapshot.limit
        try await afterImport?(runId, &summary)
        summary.requests = client.stats.requests
        summary.minimumRequests = sink.minimumRequests
        summary.retries = client.stats.retries
        summary.quotaWaits = await client.budget.waits
        summary.quotaWaitSeconds = await client.budget.waitedSeconds
        try store.finish(runId: runId, summary: JSONSerializer.string(summary.json))
        return Outcome(runId: runId, resumed: resumed, summary: summary)
    }
}

/// How a finished run ended, in the order the exit codes rank them.
public enum Verdict: Sendable, Equatable {
    case clean
    /// Some records (or children of delivered records) were rejected (see the rejects file), export files that
    /// hold records no mapping reads, or values of delivered records not migrated (the summary's notes).
    case finishedWithRejects
    /// cStar does not hold what the run delivered (read-back).
    case mismatch
    /// Some batches failed.
    case failed
}

extension MigrationSummary {
    public var verdict: Verdict {
        if totalFailed > 0 { return .failed }
        if !mismatched.isEmpty { return .mismatch }
        // Export files that look like records no mapping reads are records this run does not migrate: a problem.
        if leftSomethingBehind { return .finishedWithRejects }
        return .clean
    }
}
