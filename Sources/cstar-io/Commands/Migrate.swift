import ArgumentParser
import CStarIO
import Foundation
import Logging

extension CStarIOCommand {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Migrate a helpdesk export into cStar.",
            discussion: """
                Reads the export folder through the mapping set of the source helpdesk (Mappings/<source>/*.yaml) \
                and moves it in dependency order: custom fields, customer groups, customers and memberships, \
                categories, articles, tickets with their messages, settings. Customers, tickets and articles go \
                through POST /import in batches of at most 500. Records that cannot be mapped or that cStar refuses \
                are written to <state-dir>/rejects.ndjson with their file:line and reason.

                Every batch is checkpointed in <state-dir>/checkpoints.sqlite and sent with an idempotency key: \
                if the run stops (killed, connection lost), re-running the same command continues it, with nothing \
                lost and nothing sent twice.

                Examples:
                  cstar-io migrate Samples/zendesk --from zendesk
                  CSTAR_SECRET_KEY=sk_live_… cstar-io migrate ./zendesk-export --from zendesk --json
                  cstar-io migrate ./export --mapping ./my-mappings --state-dir /tmp/run1
                  cstar-io migrate ./export --from zendesk --concurrency 8 --max-requests-per-hour 600

                After the run, what cStar holds is read back and compared with what was delivered (every record found by \
                its email or externalId, every ticket with its whole thread); a difference is reported and exits 4.

                Exit codes: 0 done; 1 failed (re-run to continue); 2 usage or mapping error; 3 done, some records \
                rejected (see the rejects file); 4 done, but cStar's contents differ from what was delivered.
                """)

        @Argument(help: ArgumentHelp("The folder holding the export files.", valueName: "export-dir"))
        var exportDir: String

        @Option(help: ArgumentHelp("Source helpdesk: selects Mappings/<source>/.", valueName: "source"))
        var from: String = "zendesk"

        @Option(help: ArgumentHelp("A mapping folder or a single mapping file, instead of the --from set.", valueName: "path"))
        var mapping: String?

        @Option(help: ArgumentHelp("Records per import request (1–500).", valueName: "n"))
        var batchSize: Int = CStarAPI.maxImportRecords

        @Option(help: ArgumentHelp("What cStar does with records it already has: skip or update.", valueName: "strategy"))
        var mergeStrategy: String = "skip"

        @Option(help: ArgumentHelp("Import batches in flight at once (1–16).", valueName: "n"))
        var concurrency: Int = 4

        @Option(help: ArgumentHelp("Use at most this many requests per hour (leave room for other integrations).", valueName: "n"))
        var maxRequestsPerHour: Int?

        @Flag(help: "Abandon an unfinished run whose export or mappings changed, and start a new one.")
        var restart = false

        @OptionGroup var target: TargetOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard (1...CStarAPI.maxImportRecords).contains(batchSize) else {
                throw ValidationError("--batch-size must be from 1 to \(CStarAPI.maxImportRecords) (cStar's import limit).")
            }
            guard (1...16).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 16.") }
            if let m = maxRequestsPerHour, m < 1 { throw ValidationError("--max-requests-per-hour must be at least 1.") }
            guard CStarAPI.MergeStrategy(rawValue: mergeStrategy) != nil else {
                throw ValidationError("--merge-strategy must be 'skip' or 'update'.")
            }
        }

        func run() async throws {
            let logger = Logging.makeLogger(output)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: exportDir, isDirectory: &isDir), isDir.boolValue else {
                throw UsageError("the export folder '\(exportDir)' does not exist.")
            }
            let entities = try loadMappings()
            let resolved: ResolvedTarget
            do {
                resolved = try await TargetResolver.resolve(target, logger: logger)
            } catch let e as CStarAPIError {
                Console.err("error: \(e)")
                throw ExitCode(ExitCodes.failure)
            }
            if let s = resolved.sandbox, !output.quiet {
                Console.err("Using the embedded cStar sandbox at \(s.origin) (no CSTAR_SECRET_KEY set); data in \(target.stateDir)/sandbox.sqlite")
            }
            let client = CStarClient(target: resolved.target, logger: logger, budget: RequestBudget(maxRequestsPerHour: maxRequestsPerHour))
            let quiet = output.quiet || output.json
            var summary: MigrationSummary
            let runId: String
            let store: CheckpointStore
            do {
                try FileManager.default.createDirectory(atPath: target.stateDir, withIntermediateDirectories: true)
                store = try CheckpointStore(path: (target.stateDir as NSString).appendingPathComponent("checkpoints.sqlite"))
                let source = URL(fileURLWithPath: exportDir).standardizedFileURL.path
                let files = SourceFiles.all(for: entities, in: exportDir)
                let fingerprint = CheckpointStore.fingerprint(mappings: entities, sourceFiles: files, target: resolved.target.identity)
                if let open = try store.unfinishedRun(source: source, target: resolved.target.identity) {
                    if open.fingerprint == fingerprint {
                        runId = open.id
                        if !quiet { Console.err("Resuming run \(open.id.prefix(8)) started \(open.startedAt): \(open.committedBatches) batches (\(open.committedRecords) records) already done.") }
                    } else if restart {
                        try store.abandon(runId: open.id)
                        runId = try store.startRun(fingerprint: fingerprint, source: source, target: resolved.target.identity)
                        if !quiet { Console.err("Abandoned unfinished run \(open.id.prefix(8)); starting over (records already in cStar are skipped).") }
                    } else {
                        await resolved.shutdown()
                        throw UsageError("""
                            an unfinished run (\(open.id.prefix(8)), started \(open.startedAt)) exists for this export and target, but the \
                            export files or the mappings changed since. Re-running would not continue it safely. Restore the files, or \
                            pass --restart to abandon it and start a new run (records already in cStar are matched and skipped).
                            """)
                    }
                } else {
                    runId = try store.startRun(fingerprint: fingerprint, source: source, target: resolved.target.identity)
                }
                let sink = CStarSink(client: client, store: store, runId: runId, batchSize: batchSize,
                                     mergeStrategy: CStarAPI.MergeStrategy(rawValue: mergeStrategy)!, concurrency: concurrency, logger: logger)
                let run = try Pipeline(exportDirectory: exportDir, stateDirectory: target.stateDir, sink: sink, logger: logger)
                let budget = client.budget
                let reporter = ProgressReporter(quotaLeft: { budget.remainingSnapshot })
                summary = try await run.run(entities) { event in
                    if !quiet { reporter.handle(event) }
                }
                summary.requests = client.stats.requests
                summary.retries = client.stats.retries
                summary.quotaWaits = await client.budget.waits
                summary.quotaWaitSeconds = await client.budget.waitedSeconds
                try store.finish(runId: runId, summary: JSONSerializer.string(summary.json))
            } catch let e as UsageError {
                throw e
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
            if summary.totalRejected > 0 { throw ExitCode(ExitCodes.finishedWithRejects) }
        }

        func loadMappings() throws -> [EntityMapping] {
            try MappingLoader.load(mapping ?? from)
        }
    }
}

/// Finds and loads a mapping set for the commands: a source name (`zendesk` → Mappings/zendesk/), a folder, or a file.
enum MappingLoader {
    static func load(_ nameOrPath: String) throws -> [EntityMapping] {
        do {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDir) {
                return isDir.boolValue ? try MappingSet.load(directory: nameOrPath).entities : [try EntityMapping.load(path: nameOrPath)]
            }
            guard !nameOrPath.contains("/"), let dir = MappingSet.locate(source: nameOrPath) else {
                throw UsageError("no mapping set '\(nameOrPath)': expected a folder Mappings/\(nameOrPath)/, or a path to a mapping folder or file.")
            }
            return try MappingSet.load(directory: dir).entities
        } catch let e as MappingErrors {
            Console.err("The mapping has errors; nothing was read or sent:\n\(e)")
            throw ExitCode(ExitCodes.usage)
        }
    }
}
