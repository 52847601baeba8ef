import ArgumentParser
import CStarIO
import Foundation

/// What `plan` and `validate` share: read everything, map it, send nothing.
struct PlanOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The folder holding the export files.", valueName: "export-dir"))
    var exportDir: String

    @Option(name: [.customLong("mapping"), .customLong("from")],
            help: ArgumentHelp("Mapping set: auto (recognised from the files), the name of a built-in set (zendesk; see `cstar-io mappings list`) or the path of a mapping folder or file.", valueName: "auto|name|path"),
            completion: Completions.mappingSets)
    var mapping: String = "auto"

    @Option(help: ArgumentHelp("Folder for working files (plan-rejects.ndjson, indexes).", valueName: "dir"))
    var stateDir: String = ".cstar-io"

    @OptionGroup var output: OutputOptions
}

enum PlanRunner {
    static func run(_ o: PlanOptions, outDir: String?, withSamples: Bool, title: String, delta: Bool = false, report: String? = nil) async throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: o.exportDir, isDirectory: &isDir), isDir.boolValue else {
            throw UsageError("the export folder '\(o.exportDir)' does not exist.")
        }
        let chatty = !(o.output.quiet || o.output.json)
        let entities = try MappingLoader.load(o.mapping, exportDir: o.exportDir, quiet: !chatty)
        StateFolderLock.noteIfBusy(o.stateDir, quiet: !chatty)
        var session = PlanSession(exportDirectory: o.exportDir, stateDirectory: o.stateDir, entities: entities, logger: Logging.makeLogger(o.output))
        session.outputDirectory = outDir
        session.delta = delta
        session.rejectsShown = o.output.json ? 100 : 10
        let result: PlanSession.Result
        do {
            // Progress on a terminal (or with -v); a plan in a pipe is quick and its table says it all.
            let quiet = o.output.silent || !(o.output.isVerbose || Console.stderrIsTerminal)
            let reporter = ProgressReporter()
            defer { reporter.stop() }
            result = try await session.run(comparing: { last in
                if chatty { Console.err("Comparing with what earlier runs delivered to \(last.target) (latest run \(last.id.prefix(8)), started \(last.startedAt)).") }
            }) { event in if !quiet { reporter.handle(event) } }
        } catch let e as PlanSession.NoEarlierRuns {
            throw UsageError(e.description)
        } catch let e as NoSourceFilesError {
            throw e
        } catch {
            Console.err("error: \(error)")
            throw ExitCode(ExitCodes.failure)
        }
        let summary = result.summary
        if let report {
            var s = summary
            s.rejectGroups = RejectGroups.summarize(result.rejectsPath)
            try ReportFile.write(report, command: "plan", runId: nil, source: o.exportDir, target: "nothing is sent", startedAt: nil,
                                 summary: s.json, quiet: o.output.silent)
        }
        if o.output.json {
            var obj = summary.json.objectValue ?? JSONObject()
            obj["source"] = .string(o.exportDir)
            obj["rejects"] = .array(result.rejects)
            if withSamples {
                obj["samples"] = .object(JSONObject(summary.entities.map { ($0.entity, .array($0.samples)) }))
            }
            if let outDir { obj["batchFiles"] = .array(result.filesWritten.map { .string($0) }); obj["outputDirectory"] = .string(outDir) }
            JSONResult.emit(obj)
        } else if !o.output.quiet {
            Console.out(SummaryText.plan(summary, delta: delta, rejects: result.rejects, rejectsPath: result.rejectsPath, title: title,
                                         source: o.exportDir, withSamples: withSamples, outputDirectory: outDir, batchFiles: result.filesWritten.count))
        }
        switch result.verdict {
        case .countsDoNotReconcile: throw ExitCode(ExitCodes.failure)
        case .fieldsMissing:
            for line in SummaryText.missingFieldLines(summary.entities) { Console.err(line) }
            throw ExitCode(ExitCodes.usage)
        case .rejects, .clean:
            for w in SummaryText.unclaimedWarnings(summary) { Console.err(w) }
            if result.verdict == .rejects { throw ExitCode(ExitCodes.finishedWithRejects) }
        }
    }
}

extension CStarIOCommand {
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read and map an export, and report what a migration would do — sending nothing.",
            discussion: """
                For each entity: records read, would create, skipped (and why), rejected (with file:line, field and \
                reason), and three sample payloads. References to other records show as placeholders \
                (@customers:<source key>, @member:<email>). With --out, every batch is written exactly as it would \
                be sent. Rejected records go to <state-dir>/plan-rejects.ndjson with the source record (a migration's go to rejects.ndjson).

                Examples:
                  cstar-io plan Samples/zendesk
                  cstar-io plan ./zendesk-export --mapping ./my-mappings --out /tmp/batches
                  cstar-io plan ./zendesk-export --json | jq '.entities[] | {entity, read, created, rejected}'
                  cstar-io plan ./zendesk-export-final --delta      # before the cut-over's migrate --delta
                """)

        @OptionGroup var options: PlanOptions

        @Option(help: ArgumentHelp("Write the batches that would be sent into this folder, one file per batch.", valueName: "dir"))
        var out: String?

        @Flag(help: "Show what `migrate --delta` would do: per entity new, changed (with the fields), unchanged, messages to append and records no longer in the export, compared with what earlier runs from this state folder delivered.")
        var delta = false

        @Option(help: ArgumentHelp("Also write the plan as a self-contained HTML report to this file.", valueName: "file.html"), completion: .file(extensions: ["html"]))
        var report: String?

        func run() async throws {
            try await PlanRunner.run(options, outDir: out, withSamples: true, title: delta ? "Delta plan for" : "Plan for", delta: delta, report: report)
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a mapping against an export: every record read and mapped, problems listed.",
            discussion: """
                Loads and checks the mapping (errors name file:line:column and the key), then reads and maps every \
                record, sending nothing. Exit status 0 when every record maps, 3 when some records or child records \
                (comments) are rejected (listed with file:line and reason), 2 when the mapping itself is wrong.

                Examples:
                  cstar-io validate Samples/zendesk --mapping zendesk
                  cstar-io validate ./export --mapping ./my-mappings/tickets.yaml
                """)

        @OptionGroup var options: PlanOptions

        func run() async throws {
            try await PlanRunner.run(options, outDir: nil, withSamples: false, title: "Validation of")
        }
    }
}
