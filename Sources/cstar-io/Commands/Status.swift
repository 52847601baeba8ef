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
                    ]))
                }))]))
                return
            }
            guard !out.quiet else { return }
            let rows = runs.map { r in
                [String(r.id.prefix(8)), r.state, r.startedAt, r.finishedAt ?? "-", "\(r.committedBatches)", "\(r.committedRecords)", "\(r.source) → \(r.target)"]
            }
            Console.out(TextTable.render(header: ["run", "state", "started", "finished", "batches", "records", "source → target"], rows: rows,
                                         rightAligned: [4, 5]))
            if runs.contains(where: { $0.state == "running" }) {
                Console.out("\nA running run was interrupted or is in progress: re-run the same migrate command to continue it.")
            }
        }
    }
}
