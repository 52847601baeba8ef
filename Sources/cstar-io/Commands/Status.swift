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

        @Flag(help: "Print the runs as JSON.")
        var json = false

        func run() async throws {
            StateFolderLock.noteIfBusy(stateDir, quiet: json)
            let path = (stateDir as NSString).appendingPathComponent(CheckpointStore.fileName)
            guard FileManager.default.fileExists(atPath: path) else {
                if json { Console.out("[]") } else { Console.out("No runs yet in \(stateDir)/ (nothing has been migrated from this folder).") }
                return
            }
            let runs = try CheckpointStore(path: path).runs()
            if json {
                Console.out(JSONSerializer.string(.array(runs.map { r in
                    .object(JSONObject([
                        ("id", .string(r.id)), ("state", .string(r.state)), ("source", .string(r.source)), ("target", .string(r.target)),
                        ("startedAt", .string(r.startedAt)), ("finishedAt", r.finishedAt.map { .string($0) } ?? .null),
                        ("committedBatches", .int(Int64(r.committedBatches))), ("committedRecords", .int(Int64(r.committedRecords))),
                    ]))
                })))
                return
            }
            for r in runs {
                Console.out("\(r.id.prefix(8))  \(r.state.padding(toLength: 9, withPad: " ", startingAt: 0))  started \(r.startedAt)  \(r.committedBatches) batches, \(r.committedRecords) records  \(r.source) → \(r.target)")
            }
            if runs.contains(where: { $0.state == "running" }) {
                Console.out("\nA running run was interrupted or is in progress: re-run the same migrate command to continue it.")
            }
        }
    }
}
