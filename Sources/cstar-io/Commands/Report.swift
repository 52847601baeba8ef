import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the HTML report of a past migrate or restore run.",
            discussion: """
                The same self-contained page `--report FILE.html` writes at the end of a run (no network, no external \
                assets: mail it, attach it to the sign-off): per-entity bars of created, updated, skipped and rejected \
                records, the rejects grouped by reason with examples and their file:line, the source fields no mapping \
                reads (when the run was made with --report), requests against the minimum and the quota, a timeline \
                of throughput and quota waits, and what reading back from cStar found. `cstar-io status` lists the runs.

                Examples:
                  cstar-io report 3f2a9c1e
                  cstar-io report 3f2a9c1e --output signoff.html --state-dir /var/lib/cstar-io
                """)

        @Argument(help: ArgumentHelp("The run: its id or a unique prefix (see `cstar-io status`).", valueName: "run-id"), completion: Completions.migrationRuns)
        var runId: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the report (default: cstar-io-report-<run>.html).", valueName: "file.html"),
                completion: .file(extensions: ["html"]))
        var output: String?

        @Option(help: ArgumentHelp("Folder for working files.", valueName: "dir"), completion: .directory)
        var stateDir: String = ".cstar-io"

        @OptionGroup var out: OutputOptions

        func run() async throws {
            let path = (stateDir as NSString).appendingPathComponent(CheckpointStore.fileName)
            guard FileManager.default.fileExists(atPath: path) else { throw UsageError("no runs in \(stateDir)/ (nothing has been migrated from this folder).") }
            let store = try CheckpointStore(path: path)
            let matches = try store.runs().filter { $0.id.hasPrefix(runId) }
            guard matches.count == 1, let run = matches.first else {
                throw UsageError(matches.isEmpty ? "no run '\(runId)' in \(stateDir)/; `cstar-io status` lists them."
                                                 : "'\(runId)' names \(matches.count) runs; give more of the id.")
            }
            guard let text = try store.storedSummary(runId: run.id), let summary = try? JSONParser.parse(text) else {
                throw UsageError("run \(run.id.prefix(8)) is \(run.state): only a finished run has a report (re-run its command to finish it).")
            }
            let file = output ?? "cstar-io-report-\(run.id.prefix(8)).html"
            let restore = FileManager.default.fileExists(atPath: (run.source as NSString).appendingPathComponent("manifest.json"))
            try ReportFile.write(file, command: restore ? "restore" : "migrate", runId: run.id, source: run.source, target: run.target,
                                 startedAt: run.startedAt, summary: summary, quiet: out.silent)
            if !out.silent, !out.json { Console.out(file) }
        }
    }
}
