import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand {
    struct Bulk: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scripted bulk updates and deletes of tickets, customers or articles, with dry run and undo.",
            discussion: """
                Selects records (--where list filters, --ids-file, or --from a changes file), sends them to cStar's \
                POST /bulk in calls of at most 100 ids, and journals everything in <state-dir>/bulk.sqlite: the \
                selection, every call with its idempotency key, and each record as it was before the edit. A run \
                that stops (killed, connection lost) continues when the same command is run again, without \
                repeating a call. `bulk undo <run-id>` puts back what a run changed.

                Examples:
                  cstar-io bulk update tickets --where status=pending --where tag=refund --set status=closed --dry-run
                  cstar-io bulk update customers --from retag.csv --yes
                  cstar-io bulk delete tickets --ids-file spam.txt --yes
                  cstar-io bulk runs
                  cstar-io bulk undo 3f2a9c1e
                """,
            subcommands: [Update.self, Delete.self, Undo.self, Runs.self])
    }
}

/// Selection and safety options shared by `bulk update` and `bulk delete`.
struct BulkSelectionOptions: ParsableArguments {
    @Option(name: .customLong("where"), help: ArgumentHelp(
        "Select by a list filter, field=value; repeat to AND them. Filters the list endpoint documents (tickets: status, priority, assignedTo, customerId, search; customers: status, sentiment, search, tag; articles: status, category, isPublic, search, tag) go to cStar; others (e.g. tag on tickets) are checked on the listed records.",
        valueName: "field=value"))
    var filters: [String] = []

    @Option(help: ArgumentHelp("Select the ids in a file: one per line (.txt), a CSV column, or JSON/NDJSON records' field (see --id-column).", valueName: "file"))
    var idsFile: String?

    @Option(help: ArgumentHelp("Column or field holding the id in --ids-file / --from.", valueName: "name"))
    var idColumn: String = "id"

    @Flag(help: "Show how many records and calls, and a sample of before → after values; change nothing.")
    var dryRun = false

    @Flag(name: [.customShort("y"), .long], help: "Do not ask for confirmation (needed to delete more than --confirm-threshold records).")
    var yes = false

    @Option(help: ArgumentHelp("How many records the dry run and the confirmation show.", valueName: "n"))
    var sample: Int = 5

    @Option(help: ArgumentHelp("Where to write the per-id failures (NDJSON: id, code, message, call). Default: <state-dir>/bulk-<run-id>-failures.ndjson.", valueName: "file"))
    var failures: String?

    @Option(help: ArgumentHelp("Also write the run as a self-contained HTML report to this file.", valueName: "file.html"), completion: .file(extensions: ["html"]))
    var report: String?

    func validate() throws {
        if !filters.isEmpty && idsFile != nil { throw ValidationError("--where and --ids-file exclude each other; pick one way to select records.") }
        if sample < 0 { throw ValidationError("--sample must be 0 or more.") }
    }
}

