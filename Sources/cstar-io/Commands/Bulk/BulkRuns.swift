import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand.Bulk {
    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List bulk runs and their state.",
            discussion: """
                Lists the runs journaled in <state-dir>/bulk.sqlite: id, what they did, state (running = stopped \
                early, continued by re-running its command), items changed and failed, and their undo runs.

                Examples:
                  cstar-io bulk runs
                  cstar-io bulk runs --json
                """)

        @Option(help: ArgumentHelp("Folder for working files.", valueName: "dir"))
        var stateDir: String = ".cstar-io"

        @OptionGroup var out: OutputOptions
        var json: Bool { out.json }

        func run() async throws {
            let path = (stateDir as NSString).appendingPathComponent(BulkCommand.journalFile)
            guard FileManager.default.fileExists(atPath: path) else {
                if json { JSONResult.emit(JSONObject([("runs", .array([]))])) } else { Console.out("No bulk runs yet in \(stateDir)/.") }
                return
            }
            let journal = try BulkJournal(path: path)
            var rows: [JSONValue] = []
            for r in try journal.runs() {
                let (items, ok, failed, _) = try journal.itemCounts(r.id)
                if json {
                    rows.append(.object(JSONObject([
                        ("id", .string(r.id)), ("action", .string(r.kind.rawValue)), ("resource", .string(r.resource)), ("state", .string(r.state.rawValue)),
                        ("description", .string(r.description)), ("undoOf", r.undoOf.map { .string($0) } ?? .null), ("items", .int(Int64(items))),
                        ("succeeded", .int(Int64(ok))), ("failed", .int(Int64(failed))), ("createdAt", .string(r.createdAt)),
                        ("finishedAt", r.finishedAt.map { .string($0) } ?? .null),
                    ])))
                } else {
                    Console.out("\(r.id)  \(r.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(r.createdAt)  \(ok) ok, \(failed) failed  \(r.description)")
                }
            }
            if json { JSONResult.emit(JSONObject([("runs", .array(rows))])) }
        }
    }
}
