import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand.Bulk {
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set fields on many records.",
            discussion: """
                Values of --set (and of cells in a --from CSV) are JSON when they parse as JSON, text otherwise: \
                status=closed and priority=high are text; tags='["vip","refund"]' is an array; notes=null clears; \
                isPublic=false is a boolean; name='"123"' keeps digits as text. With --from, every row is an id plus \
                the fields to set (empty cells change nothing); rows with identical changes share calls. --set \
                values apply to every row, row values win.

                Re-running the same command continues an unfinished run (same selection and changes) instead of \
                starting another; after it finished, the same command makes a new run.

                Exit codes: 0 all changed, 1 stopped (re-run to continue), 2 usage error, 3 finished but some ids \
                failed (see the failures file).

                Examples:
                  cstar-io bulk update tickets --where status=pending --where tag=refund --set status=closed --dry-run
                  cstar-io bulk update tickets --where status=pending --where tag=refund --set status=closed --yes --json
                  cstar-io bulk update customers --ids-file churned.csv --set status=inactive --set 'tags=["churned"]'
                  cstar-io bulk update customers --from changes.csv        # columns: id,status,sentiment
                """)

        @Argument(help: ArgumentHelp("tickets, customers or articles.", valueName: "resource"), completion: Completions.bulkResources)
        var resource: String

        @Option(name: .customLong("set"), help: ArgumentHelp("A field to set, field=value (repeatable).", valueName: "field=value"))
        var assignments: [String] = []

        @Option(name: .customLong("from"), help: ArgumentHelp("Per-record changes: CSV/JSON/NDJSON with the id column and field columns.", valueName: "file"))
        var changesFile: String?

        @OptionGroup var selection: BulkSelectionOptions
        @OptionGroup var target: TargetOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            let ways = [!selection.filters.isEmpty, selection.idsFile != nil, changesFile != nil].filter { $0 }.count
            guard ways == 1 else { throw ValidationError("select records with exactly one of --where, --ids-file or --from.") }
            if changesFile == nil && assignments.isEmpty { throw ValidationError("nothing to change: add --set field=value (or use --from with field columns).") }
        }

        func run() async throws {
            let res = try BulkCommand.resource(resource)
            var set = JSONObject()
            for a in assignments {
                do {
                    let (k, v) = try BulkSpec.parseAssignment(a)
                    // Checked against the resource's fields before anything is read or sent: a dry run must not
                    // preview a change that the real run would fail on.
                    if let problem = ResourceFields.setProblem(resource: res.rawValue, field: k, value: v) { throw UsageError("--set \(a): \(problem)") }
                    set[k] = v
                } catch let e as BulkSpecError { throw UsageError("--set \(e.message)") }
            }
            let sel: BulkSelection
            if let f = changesFile { sel = .changesFile(path: f, idColumn: selection.idColumn) } else { sel = try BulkCommand.selection(selection, resource: res) }
            try await BulkCommand.run(BulkSpec(resource: res, action: .update, selection: sel, set: set), selection: selection,
                                      confirmThreshold: nil, target: target, output: output)
        }
    }
}
