import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand.Bulk {
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete many records.",
            discussion: """
                Before each run the records are saved in the journal (tickets with their messages) so that \
                `bulk undo` can re-create them. Deleting more than --confirm-threshold records always needs --yes, \
                even at a terminal.

                Exit codes: 0 all deleted, 1 stopped (re-run to continue), 2 usage error (including a large delete \
                without --yes), 3 finished but some ids failed (see the failures file).

                Examples:
                  cstar-io bulk delete tickets --where tag=spam --dry-run
                  cstar-io bulk delete tickets --where tag=spam --yes
                  cstar-io bulk delete customers --ids-file spam-accounts.ndjson --id-column id --yes
                """)

        @Argument(help: ArgumentHelp("tickets, customers or articles.", valueName: "resource"), completion: Completions.bulkResources)
        var resource: String

        @Option(help: ArgumentHelp("Deleting more records than this needs --yes.", valueName: "n"))
        var confirmThreshold: Int = 100

        @OptionGroup var selection: BulkSelectionOptions
        @OptionGroup var target: TargetOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard selection.filters.isEmpty != (selection.idsFile == nil) else {
                throw ValidationError("select records with exactly one of --where or --ids-file.")
            }
            if confirmThreshold < 0 { throw ValidationError("--confirm-threshold must be 0 or more.") }
        }

        func run() async throws {
            let res = try BulkCommand.resource(resource)
            try await BulkCommand.run(BulkSpec(resource: res, action: .delete, selection: try BulkCommand.selection(selection, resource: res)),
                                      selection: selection, confirmThreshold: confirmThreshold, target: target, output: output)
        }
    }
}
