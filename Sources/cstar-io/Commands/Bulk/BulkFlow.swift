import ArgumentParser
import CStarIO
import Foundation

import Logging

/// The flow shared by the bulk subcommands: plan into the journal, show, confirm, execute, summarize.
enum BulkCommand {
    static let journalFile = BulkSession.journalFile

    static func resource(_ name: String) throws -> TargetResource {
        guard let r = TargetResource(rawValue: name), CStarAPI.bulkResources.contains(r) else {
            throw UsageError("bulk edits work on tickets, customers or articles, not '\(name)'.")
        }
        return r
    }

    static func selection(_ o: BulkSelectionOptions, resource: TargetResource) throws -> BulkSelection {
        if let f = o.idsFile { return .idsFile(path: f, idColumn: o.idColumn) }
        let filters: [(String, String)]
        do { filters = try o.filters.map(BulkSpec.parseFilter) } catch let e as BulkSpecError { throw UsageError(e.message) }
        for (field, value) in filters {
            if let problem = ResourceFields.filterProblem(resource: resource.rawValue, field: field, value: value,
                                                          allowed: CStarAPI.listFilters[resource].map { $0.union(CStarAPI.clientCheckableFilters.keys) }) {
                throw UsageError("--where \(field)=\(value): \(problem)")
            }
        }
        return .filters(filters)
    }

    static var stdinIsTerminal: Bool { isatty(0) == 1 }

    static func confirm(_ question: String) -> Bool {
        FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
        guard let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return answer == "y" || answer == "yes"
    }

    static func resolve(_ target: TargetOptions, output: OutputOptions, logger: Logger) async throws -> ResolvedTarget {
        try await TargetResolver.resolveForCommand(target, logger: logger, announce: !output.quiet)
    }

    static func run(_ spec: BulkSpec, selection: BulkSelectionOptions, confirmThreshold: Int?, target: TargetOptions, output: OutputOptions) async throws {
        // A dry run writes nothing to the state folder; a real run is its one writer.
        let lock = selection.dryRun ? nil : try StateFolderLock.take(target.stateDir)
        defer { withExtendedLifetime(lock) {} }
        let logger = Logging.makeLogger(output)
        let quiet = output.quiet || output.json
        let resolved = try await resolve(target, output: output, logger: logger)
        let client = CStarClient(target: resolved.target, logger: logger)
        do {
            try PrivateFiles.prepareFolder(target.stateDir)
            let journal = selection.dryRun ? try BulkJournal() : try BulkJournal(path: (target.stateDir as NSString).appendingPathComponent(journalFile))
            let session = BulkSession(journal: journal, client: client, logger: logger)
            let preview: BulkSession.Preview
            do {
                preview = try await session.prepare(spec, targetIdentity: resolved.target.identity, sample: selection.sample)
            } catch let e as BulkSpecError { throw UsageError(e.message) }
            let runId = preview.runId
            if let r = preview.resumed, !quiet { Console.err("Continuing bulk run \(runId) (\(r.description)), started \(r.createdAt).") }
            if !output.quiet { for w in preview.warnings.prefix(20) { Console.err("warning: \(w)") } }
            let items = preview.items, calls = preview.calls
            let verb = spec.action == .update ? "update" : "delete"
            if selection.dryRun {
                if output.json {
                    JSONResult.emit(JSONObject([
                        ("dryRun", .bool(true)), ("action", .string(verb)), ("resource", .string(spec.resource.rawValue)),
                        ("items", .int(Int64(items))), ("calls", .int(Int64(calls))),
                        ("sample", .array(preview.sample.map { BulkText.sample($0, action: spec.action) })), ("requests", .int(Int64(client.stats.requests))),
                    ]))
                } else {
                    Console.out("Dry run: would \(verb) \(items) \(spec.resource.rawValue) in \(calls) call(s) of at most \(CStarAPI.maxBulkIds) ids. Nothing was changed.")
                    for it in preview.sample { Console.out("  " + BulkText.sampleLine(it, action: spec.action)) }
                }
                await resolved.shutdown()
                return
            }
            if preview.awaitsConfirmation {
                if spec.action == .delete, let threshold = confirmThreshold, items > threshold, !selection.yes {
                    try session.cancel(runId)
                    await resolved.shutdown()
                    throw UsageError("this would delete \(items) \(spec.resource.rawValue), more than --confirm-threshold \(threshold): pass --yes to confirm (try --dry-run first).")
                }
                // Destructive without a terminal to ask: only with an explicit --yes.
                if !selection.yes, !stdinIsTerminal, items > 0 {
                    try session.discard(runId)
                    await resolved.shutdown()
                    throw UsageError("this would \(verb) \(items) \(spec.resource.rawValue), and there is no terminal to ask: pass --yes to confirm (try --dry-run first). Nothing was changed.")
                }
                if !selection.yes, stdinIsTerminal, items > 0 {
                    Console.err("About to \(verb) \(items) \(spec.resource.rawValue) in \(calls) call(s):")
                    for it in preview.sample { Console.err("  " + BulkText.sampleLine(it, action: spec.action)) }
                    guard confirm("Proceed?") else {
                        try session.cancel(runId)
                        await resolved.shutdown()
                        Console.err("Cancelled; nothing was changed.")
                        throw ExitCode(ExitCodes.failure)
                    }
                }
                try await session.confirm(runId, spec: spec)
            }
            try await execute(runId: runId, session: session, resolved: resolved, failures: selection.failures,
                              stateDir: target.stateDir, output: output, resumed: preview.resumed != nil, extra: [], report: selection.report)
        } catch let e as UsageError {
            await resolved.shutdown()
            throw e
        } catch let e as ExitCode {
            throw e
        } catch {
            await resolved.shutdown()
            Console.err("error: \(error)")
            Console.err("The run is journaled: re-run the same command to continue where it stopped.")
            throw ExitCode(ExitCodes.failure)
        }
    }

    /// Sends the run's remaining calls, then prints the summary and writes the failures file.
    static func execute(runId: String, session: BulkSession, resolved: ResolvedTarget, failures: String?, stateDir: String,
                        output: OutputOptions, resumed: Bool, extra: [(String, JSONValue)], report: String? = nil) async throws {
        let started = Date()
        let quiet = output.quiet || output.json
        let failuresPath = failures ?? (stateDir as NSString).appendingPathComponent("bulk-\(runId)-failures.ndjson")
        let summary: BulkSummary
        do {
            summary = try await session.execute(runId, failuresPath: failuresPath, resumed: resumed, configure: TestHooks.install) { p in
                guard !quiet else { return }
                Console.err("call \(p.index + 1)/\(p.total): \(p.items) ids, \(p.items - p.failed) done, \(p.failed) failed\(p.replayed ? " (replayed: cStar had already applied it)" : "")")
            }
        } catch {
            await resolved.shutdown()
            Console.err("error: \(error)")
            Console.err("The run \(runId) is journaled: re-run the same command to continue where it stopped.")
            throw ExitCode(ExitCodes.failure)
        }
        await resolved.shutdown()
        if let report {
            try ReportFile.write(report, command: "bulk", runId: runId, source: "\(summary.kind) \(summary.resource)", target: resolved.label,
                                 startedAt: ISO8601DateFormatter().string(from: started),
                                 summary: summary.reportSummary(elapsedSeconds: Date().timeIntervalSince(started)), quiet: output.quiet || output.json)
        }
        if output.json {
            var o = summary.json.objectValue ?? JSONObject()
            for (k, v) in extra { o[k] = v }
            JSONResult.emit(o)
        } else if !output.quiet {
            Console.out(BulkText.summaryLine(summary, runId: runId, failuresPath: failuresPath))
            if summary.kind != "undo", summary.succeeded > 0 { Console.out("Undo with: cstar-io bulk undo \(runId)") }
        }
        if summary.failed > 0 { throw ExitCode(ExitCodes.finishedWithRejects) }
    }
}

/// Test hooks, read from the environment (used by the end-to-end tests to stop a run at exact points):
/// - `CSTAR_IO_TEST_BULK_PAUSE_MS`: sleep this long after each committed call (so a test can kill the process
///   between calls);
/// - `CSTAR_IO_TEST_BULK_EXIT_AFTER_ANSWER`: exit (status 99) right after cStar answered the call with this
///   index, before the journal records it (a crash between the API applying a call and the commit).
enum TestHooks {
    static func install(_ runner: inout BulkRunner) {
        let env = ProcessInfo.processInfo.environment
        if let ms = env["CSTAR_IO_TEST_BULK_PAUSE_MS"].flatMap(Int.init), ms > 0 {
            runner.afterCommit = { _ in try? await Task.sleep(for: .milliseconds(ms)) }
        }
        if let index = env["CSTAR_IO_TEST_BULK_EXIT_AFTER_ANSWER"].flatMap(Int.init) {
            runner.afterAnswer = { i in if i == index { Foundation.exit(99) } }
        }
    }
}
