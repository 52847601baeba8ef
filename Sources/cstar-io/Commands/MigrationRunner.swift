import ArgumentParser
import CStarIO
import Foundation
import Logging

/// The import engine as `migrate` and `restore` run it: resolve the target, open the checkpoint store, resume
/// (or refuse, or restart) an unfinished run, stream the export folder through the mappings into cStar, and
/// report. One path, so restore is exactly as resumable and exactly-once as migrate.
struct MigrationRunner {
    let exportDir: String
    let entities: [EntityMapping]
    let target: TargetOptions
    let output: OutputOptions
    let engine: ImportOptions

    /// Runs the import; `afterImport` runs with the same client once every entity is done (restore's tags).
    /// Prints the summary and throws the documented exit code (1 failed, 4 cStar differs, 3 rejects) when not clean.
    /// `beforeNewRun` runs once the target is known and before a new run is recorded (not when resuming): restore's
    /// check that it may write into a team that already holds data.
    func run(beforeNewRun: ((CStarClient) async throws -> Void)? = nil,
             afterImport: ((CStarClient, _ runId: String, inout MigrationSummary) async throws -> Void)? = nil) async throws {
        // One writer per state folder: a second migrate/restore/bulk on it is refused at once (exit 2).
        let lock = try StateFolderLock.take(target.stateDir)
        defer { withExtendedLifetime(lock) {} }
        let logger = Logging.makeLogger(output)
        let resolved = try await TargetResolver.resolveForCommand(target, logger: logger, announce: !output.quiet)
        let announceWaits = !output.quiet
        let budget = RequestBudget(maxRequestsPerHour: engine.maxRequestsPerHour, onWait: { until in
            guard announceWaits else { return }
            let f = DateFormatter()
            f.dateFormat = "HH:mm:ss"
            let left = max(0, Int((until - Date().timeIntervalSince1970).rounded()))
            Console.err("waiting for the quota window: it resets at \(f.string(from: Date(timeIntervalSince1970: until))) (in \(left / 60)m \(left % 60)s); the run goes on by itself")
        })
        let client = CStarClient(target: resolved.target, logger: logger, budget: budget)
        let quiet = output.quiet || output.json
        var summary: MigrationSummary
        let runId: String
        let store: CheckpointStore
        do {
            try PrivateFiles.prepareFolder(target.stateDir)
            store = try CheckpointStore(path: (target.stateDir as NSString).appendingPathComponent("checkpoints.sqlite"))
            let source = URL(fileURLWithPath: exportDir).standardizedFileURL.path
            try Pipeline.requireFiles(entities, in: exportDir)
            // A field the first records do not have: in your own mapping (or a CSV header) a mistake to fix before
            // anything is sent; in a built-in set over JSON, where dumps may leave fields out, a warning.
            let missing = Preflight.missingFields(entities, in: exportDir)
            let builtIn = entities.allSatisfy { $0.file.hasSuffix("(built-in)") }
            let fatal = missing.filter { !builtIn || $0.contains(".csv") }
            if !fatal.isEmpty {
                throw UsageError(fatal.joined(separator: "\n") + "\nNothing was sent. Fix the field names in the mapping, or mark a rule `optional: true` when exports may lack that field.")
            }
            if !quiet {
                for m in missing.prefix(5) { Console.err("warning: \(m)") }
                if missing.count > 5 { Console.err("warning: … \(missing.count - 5) more such fields (cstar-io validate lists them)") }
            }
            let files = SourceFiles.all(for: entities, in: exportDir)
            // Everything that shapes the batches is part of the run's identity (concurrency is not: it only changes timing).
            let fingerprint = CheckpointStore.fingerprint(mappings: entities, sourceFiles: files, target: resolved.target.identity,
                                                          options: "batch-size \(engine.batchSize) merge \(engine.mergeStrategy) max-bytes \(CStarAPI.maxRequestBytes)")
            if let open = try store.unfinishedRun(source: source, target: resolved.target.identity) {
                if open.fingerprint == fingerprint {
                    runId = open.id
                    if !quiet { Console.err("Resuming run \(open.id.prefix(8)) started \(open.startedAt): \(open.committedBatches) batches (\(open.committedRecords) records) already done.") }
                } else if engine.restart {
                    try store.abandon(runId: open.id)
                    runId = try store.startRun(fingerprint: fingerprint, source: source, target: resolved.target.identity)
                    if !quiet { Console.err("Abandoned unfinished run \(open.id.prefix(8)); starting over (records already in cStar are skipped).") }
                } else {
                    await resolved.shutdown()
                    throw UsageError("""
                        an unfinished run (\(open.id.prefix(8)), started \(open.startedAt)) exists for this export and target, but the \
                        export files, the mappings, or the options that shape its batches (--batch-size, --merge-strategy) changed \
                        since. Re-running would not continue it safely. Restore them, or pass --restart to abandon it and start a \
                        new run (records already in cStar are matched and skipped).
                        """)
                }
            } else {
                try await beforeNewRun?(client)
                runId = try store.startRun(fingerprint: fingerprint, source: source, target: resolved.target.identity)
            }
            let sink = CStarSink(client: client, store: store, runId: runId, batchSize: engine.batchSize, mergeStrategy: engine.strategy,
                                 concurrency: engine.concurrency, logger: logger)
            let run = try Pipeline(exportDirectory: exportDir, stateDirectory: target.stateDir, sink: sink, logger: logger)
            let budget = client.budget
            let reporter = ProgressReporter(quotaLeft: { budget.remainingSnapshot })
            summary = try await run.run(entities) { event in
                if !quiet { reporter.handle(event) }
            }
            try await afterImport?(client, runId, &summary)
            summary.requests = client.stats.requests
            summary.retries = client.stats.retries
            summary.quotaWaits = await client.budget.waits
            summary.quotaWaitSeconds = await client.budget.waitedSeconds
            try store.finish(runId: runId, summary: JSONSerializer.string(summary.json))
        } catch let e as UsageError {
            throw e
        } catch let e as NoSourceFilesError {
            await resolved.shutdown()
            throw e
        } catch let e as CheckpointStore.BatchChanged {
            await resolved.shutdown()
            Console.err("error: \(e)")
            throw ExitCode(ExitCodes.failure)
        } catch {
            await resolved.shutdown()
            Console.err("error: \(error)")
            Console.err("The run is checkpointed: re-run the same command to continue where it stopped.")
            throw ExitCode(ExitCodes.failure)
        }
        await resolved.shutdown()
        if output.json {
            var o = summary.json.objectValue ?? JSONObject()
            o["source"] = .string(exportDir)
            o["target"] = .string(resolved.target.baseURL)
            o["embeddedSandbox"] = .bool(resolved.sandbox != nil)
            Console.out(JSONSerializer.string(.object(o)))
        } else if !output.quiet {
            Console.out(SummaryTable.render(summary, source: exportDir, target: resolved.label))
        }
        for w in SummaryTable.unclaimedWarnings(summary) { Console.err(w) }
        if summary.totalFailed > 0 { throw ExitCode(ExitCodes.failure) }
        if !summary.mismatched.isEmpty {
            if !output.json {
                for e in summary.mismatched {
                    guard let r = e.reconciliation else { continue }
                    Console.err("""
                        error: cStar's \(e.target) do not match what this run delivered: \(r.found) of \(r.expected) found\
                        \(r.messageMismatches > 0 ? ", \(r.messageMismatches) tickets with a different message count" : "")\
                        \(r.missingSample.isEmpty ? "" : " (missing source keys: \(r.missingSample.joined(separator: ", ")))").
                        """)
                }
            }
            throw ExitCode(ExitCodes.mismatch)
        }
        // Export files that look like records no mapping reads are records this run does not migrate: a problem.
        if summary.totalRejected > 0 || summary.totalChildRejected > 0 || !summary.unclaimedRecordFiles.isEmpty {
            throw ExitCode(ExitCodes.finishedWithRejects)
        }
    }
}
