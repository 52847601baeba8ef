import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show migration runs and their progress.",
            discussion: """
                Lists the runs checkpointed in <state-dir>/checkpoints.sqlite: when they started, their state \
                (running = unfinished, continued by re-running the same migrate command), batches and records done.

                Examples:
                  cstar-io status
                  cstar-io status --state-dir /var/lib/cstar-io --json
                """)

        @Option(help: ArgumentHelp("Folder for working files.", valueName: "dir"))
        var stateDir: String = ".cstar-io"

        @OptionGroup var out: OutputOptions
        var json: Bool { out.json }

        func run() async throws {
            StateFolderLock.noteIfBusy(stateDir, quiet: out.silent)
            let path = (stateDir as NSString).appendingPathComponent(CheckpointStore.fileName)
            guard FileManager.default.fileExists(atPath: path) else {
                if json { JSONResult.emit(JSONObject([("runs", .array([]))])) } else { Console.out("No runs yet in \(stateDir)/ (nothing has been migrated from this folder).") }
                return
            }
            let runs = try CheckpointStore(path: path).runs()
            if json {
                JSONResult.emit(JSONObject([("runs", .array(runs.map { r in
                    .object(JSONObject([
                        ("id", .string(r.id)), ("state", .string(r.state)), ("source", .string(r.source)), ("target", .string(r.target)),
                        ("startedAt", .string(r.startedAt)), ("finishedAt", r.finishedAt.map { .string($0) } ?? .null),
                        ("committedBatches", .int(Int64(r.committedBatches))), ("committedRecords", .int(Int64(r.committedRecords))),
                        ("kind", r.kind.map { .string($0) } ?? .null),
                    ]))
                }))]))
                return
            }
            guard !out.quiet else { return }
            // A migration's chain: its runs against one team, oldest first (the first pass, then its deltas).
            let byTarget = Dictionary(grouping: runs, by: \.target)
            for (i, target) in byTarget.keys.sorted().enumerated() {
                let chain = byTarget[target]!
                if byTarget.count > 1 || chain.count > 1 { Console.out("\(i > 0 ? "\n" : "")\(target): \(chain.count) run(s)") }
                let rows = chain.map { r in
                    [String(r.id.prefix(8)), r.kind ?? "migrate", r.state, r.startedAt, r.finishedAt ?? "-", "\(r.committedBatches)", "\(r.committedRecords)", r.source]
                }
                Console.out(TextTable.render(header: ["run", "kind", "state", "started", "finished", "batches", "records", "source"], rows: rows,
                                             rightAligned: [5, 6]))
            }
            if runs.contains(where: { $0.state == "running" }) {
                Console.out("\nA running run was interrupted or is in progress: re-run the same migrate command to continue it.")
            }
        }
    }
}
