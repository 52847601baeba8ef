import ArgumentParser
import CStarIO
import Foundation
import Logging

/// `migrate` and `restore` as the terminal sees them: take the state-folder lock, resolve the target, run a
/// `MigrationSession`, show what it reports, render the summary and map its verdict to the exit code.
struct MigrationRunner {
    let exportDir: String
    let entities: [EntityMapping]
    let target: TargetOptions
    let output: OutputOptions
    let engine: ImportOptions
    /// How the summary starts: "Migrated", or "Restored".
    var verb = "Migrated"

    /// `beforeNewRun` and `afterImport` are the session's hooks, given the client (restore's team check and tags).
    /// Throws the documented exit code (1 failed, 4 cStar differs, 3 rejects) when the run is not clean.
    func run(beforeNewRun: ((CStarClient) async throws -> Void)? = nil,
             afterImport: ((CStarClient, _ runId: String, inout MigrationSummary) async throws -> Void)? = nil) async throws {
        // One writer per state folder: a second migrate/restore/bulk on it is refused at once (exit 2).
        let lock = try StateFolderLock.take(target.stateDir)
        defer { withExtendedLifetime(lock) {} }
        let logger = Logging.makeLogger(output)
        let resolved = try await TargetResolver.resolveForCommand(target, logger: logger, announce: !output.quiet)
        let announceWaits = !output.quiet
        let budget = RequestBudget(maxRequestsPerHour: engine.maxRequestsPerHour, onWait: { until in
            // On a terminal the progress line shows the wait and counts it down; in a pipe, a line tells it.
            if announceWaits, !Console.stderrIsTerminal { Console.err(ProgressText.quotaWaitLine(until: until)) }
        })
        let client = CStarClient(target: resolved.target, logger: logger, budget: budget)
        let quiet = output.quiet || output.json
        var settings = engine.settings
        settings.countsRecordsFirst = !quiet
        let session = MigrationSession(exportDirectory: exportDir, stateDirectory: target.stateDir, entities: entities, client: client,
                                       settings: settings, logger: logger)
        let reporter = ProgressReporter(quota: { budget.snapshot })
        defer { reporter.stop() }
        let outcome: MigrationSession.Outcome
        do {
            outcome = try await session.run(
                beforeNewRun: beforeNewRun.map { hook in { try await hook(client) } },
                afterImport: afterImport.map { hook in { runId, summary in try await hook(client, runId, &summary) } }
            ) { event in
                guard !quiet else { return }
                switch event {
                case .missingFields(let missing):
                    for m in missing.prefix(5) { Console.err("warning: \(m)") }
                    if missing.count > 5 { Console.err("warning: … \(missing.count - 5) more such fields (cstar-io validate lists them)") }
                case .resuming(let id, let startedAt, let batches, let records):
                    Console.err("Resuming run \(id.prefix(8)) started \(startedAt): \(batches) batches (\(records) records) already done.")
                case .restarted(let abandoned):
                    Console.err("Abandoned unfinished run \(abandoned.prefix(8)); starting over (records already in cStar are skipped).")
                case .progress(let p):
                    reporter.handle(p)
                }
            }
        } catch let e as MigrationSession.MissingFields {
            await resolved.shutdown()
            throw UsageError(e.description)
        } catch let e as MigrationSession.RunConflict {
            await resolved.shutdown()
            throw UsageError(e.description)
        } catch let e as UsageError {
            await resolved.shutdown()
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
        reporter.stop()
        await resolved.shutdown()
        let summary = outcome.summary
        if output.json {
            var o = summary.json.objectValue ?? JSONObject()
            o["source"] = .string(exportDir)
            o["target"] = .string(resolved.target.baseURL)
            o["embeddedSandbox"] = .bool(resolved.sandbox != nil)
            JSONResult.emit(o)
        } else if !output.quiet {
            Console.out(SummaryText.migration(summary, source: exportDir, target: resolved.label, verb: verb))
        }
        for w in SummaryText.unclaimedWarnings(summary) { Console.err(w) }
        if let path = engine.report {
            try ReportFile.write(path, command: verb == "Restored" ? "restore" : "migrate", runId: outcome.runId, source: exportDir,
                                 target: resolved.label, startedAt: ISO8601DateFormatter().string(from: Date(timeIntervalSinceNow: -summary.elapsedSeconds)),
                                 summary: summary.json, quiet: output.silent)
        }
        switch outcome.verdict {
        case .clean: return
        case .failed: throw ExitCode(ExitCodes.failure)
        case .mismatch:
            if !output.json { for line in SummaryText.mismatchLines(summary) { Console.err(line) } }
            throw ExitCode(ExitCodes.mismatch)
        case .finishedWithRejects: throw ExitCode(ExitCodes.finishedWithRejects)
        }
    }
}
