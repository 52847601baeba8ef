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
    /// `plan --delta`: the checkpoint store of earlier runs, and the team of the latest one.
    static func deltaBase(_ stateDir: String, quiet: Bool) throws -> PlanSink.DeltaBase {
        let path = (stateDir as NSString).appendingPathComponent(CheckpointStore.fileName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw UsageError("no earlier runs in \(stateDir)/: plan --delta compares an export with what earlier migrate runs from this state folder delivered.")
        }
        let store = try CheckpointStore(path: path)
        guard let last = try store.runs().last else { throw UsageError("no earlier runs in \(path): nothing to compare with.") }
        if !quiet { Console.err("Comparing with what earlier runs delivered to \(last.target) (latest run \(last.id.prefix(8)), started \(last.startedAt)).") }
        return PlanSink.DeltaBase(store: store, target: last.target)
    }

    static func run(_ o: PlanOptions, outDir: String?, withSamples: Bool, title: String, delta: Bool = false, report: String? = nil) async throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: o.exportDir, isDirectory: &isDir), isDir.boolValue else {
            throw UsageError("the export folder '\(o.exportDir)' does not exist.")
        }
        let entities = try MappingLoader.load(o.mapping, exportDir: o.exportDir, quiet: o.output.quiet || o.output.json)
        StateFolderLock.noteIfBusy(o.stateDir, quiet: o.output.quiet || o.output.json)
        let logger = Logging.makeLogger(o.output)
        let sink = PlanSink(outputDirectory: outDir, delta: delta ? try deltaBase(o.stateDir, quiet: o.output.quiet || o.output.json) : nil)
        let summary: MigrationSummary
        let rejectsPath: String
        do {
            // Plans keep their rejects apart, so a plan never replaces (or shows) the rejects of a migration.
            let pipeline = try Pipeline(exportDirectory: o.exportDir, stateDirectory: o.stateDir, sink: sink, logger: logger,
                                        rejectsFile: "plan-rejects.ndjson", indexFile: "plan-run-index.sqlite")
            rejectsPath = pipeline.rejectsPath
            pipeline.collectsCoverage = true
            // Progress on a terminal (or with -v); a plan in a pipe is quick and its table says it all.
            let quiet = o.output.silent || !(o.output.isVerbose || Console.stderrIsTerminal)
            let reporter = ProgressReporter()
            defer { reporter.stop() }
            summary = try await pipeline.run(entities) { event in
                if !quiet { reporter.handle(event) }
            }
        } catch let e as NoSourceFilesError {
            throw e
        } catch {
            Console.err("error: \(error)")
            throw ExitCode(ExitCodes.failure)
        }
        let rejects = Self.firstRejects(rejectsPath, limit: o.output.json ? 100 : 10)
        if let report {
            var s = summary
            s.rejectGroups = RejectGroups.summarize(rejectsPath)
            try ReportFile.write(report, command: "plan", runId: nil, source: o.exportDir, target: "nothing is sent", startedAt: nil,
                                 summary: s.json, quiet: o.output.silent)
        }
        if o.output.json {
            var obj = summary.json.objectValue ?? JSONObject()
            obj["source"] = .string(o.exportDir)
            obj["rejects"] = .array(rejects)
            if withSamples {
                obj["samples"] = .object(JSONObject(summary.entities.map { ($0.entity, .array($0.samples)) }))
            }
            if let outDir { obj["batchFiles"] = .array(sink.filesWritten.map { .string($0) }); obj["outputDirectory"] = .string(outDir) }
            JSONResult.emit(obj)
        } else if !o.output.quiet {
            var lines = ["\(title) \(o.exportDir) (nothing is sent)", ""]
            let header = delta ? ["entity", "target", "read", "would create", "would update", "unchanged/skipped", "rejected"]
                               : ["entity", "target", "read", "would create", "skipped", "rejected"]
            var rows = [header]
            for e in summary.entities {
                rows.append(delta ? [e.entity, e.target, "\(e.read)", "\(e.created)", "\(e.updated)", "\(e.skipped)", "\(e.rejected)"]
                                  : [e.entity, e.target, "\(e.read)", "\(e.created)", "\(e.skipped)", "\(e.rejected)"])
            }
            let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
            for row in rows {
                lines.append(row.enumerated().map { i, cell in
                    i < 2 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                          : String(repeating: " ", count: widths[i] - cell.count) + cell
                }.joined(separator: "  "))
            }
            lines += SummaryTable.details(summary.entities, delivered: "would go")
            lines += Self.coverageLines(summary.entities)
            let reconciled = summary.entities.allSatisfy(\.reconciles)
            lines.append("")
            lines.append(reconciled ? "Every record is accounted for: read = would create + \(delta ? "would update + " : "")skipped + rejected, for each entity."
                                    : "WARNING: counts do not reconcile; please report this.")
            if !rejects.isEmpty {
                lines.append("")
                lines.append("Rejected (first \(rejects.count); all with the source record in \(rejectsPath)):")
                for r in rejects {
                    let field = r["field"]?.stringValue.map { ".\($0)" } ?? ""
                    lines.append("  \(r["location"]?.stringValue ?? "-")  \(r["entity"]?.stringValue ?? "")\(field): \(r["reason"]?.stringValue ?? "")")
                }
            }
            if withSamples {
                lines.append("")
                lines.append("Sample payloads:")
                for e in summary.entities {
                    for s in e.samples { lines.append("  \(e.entity): \(JSONSerializer.string(s).prefix(400))") }
                }
            }
            if let outDir { lines.append(""); lines.append("Batches written to \(outDir)/ (\(sink.filesWritten.count) files)") }
            Console.out(lines.joined(separator: "\n"))
        }
        if !summary.entities.allSatisfy(\.reconciles) { throw ExitCode(ExitCodes.failure) }
        // A rule reading a field no record has is a mapping mistake (a typo, or a column this export lacks).
        let missing = summary.entities.filter { !($0.coverage?.missing.isEmpty ?? true) }
        if !missing.isEmpty {
            for e in missing {
                let files = e.files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
                for m in e.coverage!.missing {
                    Console.err("error: \(e.entity): \(m) reads a field that no record of \(files) has")
                }
                Console.err("  the records have: \(e.coverage!.available.prefix(60).joined(separator: ", "))")
            }
            Console.err("Fix the field names in the mapping, or mark a rule `optional: true` when exports may lack that field.")
            throw ExitCode(ExitCodes.usage)
        }
        // Export files that look like records no mapping reads are records this run does not migrate: a problem.
        for w in SummaryTable.unclaimedWarnings(summary) { Console.err(w) }
        if summary.totalRejected > 0 || summary.totalChildRejected > 0 || !summary.unclaimedRecordFiles.isEmpty {
            throw ExitCode(ExitCodes.finishedWithRejects)
        }
    }

    /// What the export holds that the mapping leaves behind, per entity (the coverage report).
    static func coverageLines(_ entities: [EntitySummary]) -> [String] {
        var lines: [String] = []
        for e in entities {
            guard let c = e.coverage else { continue }
            func list(_ fields: [Coverage.Field]) -> String {
                let shown = fields.prefix(15).map { "\($0.name) (\($0.records))" }.joined(separator: ", ")
                return fields.count > 15 ? shown + ", … \(fields.count - 15) more (--json lists all)" : shown
            }
            if !c.notRead.isEmpty { lines.append("  \(e.entity) leaves behind (source field, records with a value): \(list(c.notRead))") }
            for (target, fields) in c.childNotRead.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(e.entity) \(target) leave behind: \(list(fields))")
            }
        }
        guard !lines.isEmpty else { return [] }
        return ["", "Not migrated — source fields no mapping rule reads:"] + lines
    }

    static func firstRejects(_ path: String, limit: Int) -> [JSONValue] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").prefix(limit).compactMap { line in
            guard var o = (try? JSONParser.parse(String(line)))?.objectValue else { return nil }
            o["record"] = nil
            return .object(o)
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
