import ArgumentParser
import CStarIO
import Foundation

import Logging

extension CStarIOCommand.Bulk {
    struct Undo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put back what a bulk run changed.",
            discussion: """
                For an update, sets exactly the fields the run changed back to the values they had just before the \
                run (from the journal), on the records the run changed; records whose prior values are equal share \
                calls. For a delete, re-creates the deleted records from their saved copies through POST /import, \
                tickets with their messages and original createdAt.

                What undo cannot restore: re-created records get new ids (links to the old ids elsewhere break); \
                values computed by cStar (counts, SLA deadlines, updatedAt of updated records) are computed anew; \
                a field someone else changed after the run is overwritten with the value from before the run. \
                Undo is itself journaled: if it stops, run it again to continue; once done, running it again does \
                nothing.

                Examples:
                  cstar-io bulk runs
                  cstar-io bulk undo 3f2a9c1e --dry-run
                  cstar-io bulk undo 3f2a9c1e --yes --json
                """)

        @Argument(help: ArgumentHelp("The run to undo: its id or a unique prefix (see `bulk runs`).", valueName: "run-id"), completion: Completions.bulkRuns)
        var runId: String

        @Flag(help: "Show what would be restored; change nothing.")
        var dryRun = false

        @Flag(name: [.customShort("y"), .long], help: "Do not ask for confirmation.")
        var yes = false

        @Option(help: ArgumentHelp("How many records the dry run and the confirmation show.", valueName: "n"))
        var sample: Int = 5

        @Option(help: ArgumentHelp("Where to write the per-id failures (NDJSON). Default: <state-dir>/bulk-<undo-run-id>-failures.ndjson.", valueName: "file"))
        var failures: String?

        @OptionGroup var target: TargetOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if sample < 0 { throw ValidationError("--sample must be 0 or more.") }
        }

        func run() async throws {
            let path = (target.stateDir as NSString).appendingPathComponent(BulkCommand.journalFile)
            guard FileManager.default.fileExists(atPath: path) else { throw UsageError("no bulk journal in \(target.stateDir)/: nothing to undo.") }
            let lock = try StateFolderLock.take(target.stateDir)
            defer { withExtendedLifetime(lock) {} }
            let journal = try BulkJournal(path: path)
            guard let original = try journal.findRun(runId) else {
                throw UsageError("no bulk run '\(runId)' in \(path) (or the prefix is ambiguous); see `cstar-io bulk runs`.")
            }
            let logger = Logging.makeLogger(output)
            let resolved = try await BulkCommand.resolve(target, output: output, logger: logger)
            let client = CStarClient(target: resolved.target, logger: logger)
            let quiet = output.quiet || output.json
            let session = BulkSession(journal: journal, client: client, logger: logger)
            let preview: BulkSession.Preview
            do {
                switch try session.prepareUndo(of: original, targetIdentity: resolved.target.identity, sample: sample) {
                case .alreadyUndone(let done):
                    await resolved.shutdown()
                    if output.json {
                        JSONResult.emit(JSONObject([("runId", .string(done)), ("undoOf", .string(original.id)), ("alreadyUndone", .bool(true))]))
                    } else if !output.quiet {
                        Console.out("Run \(original.id) was already undone by run \(done); nothing to do.")
                    }
                    return
                case .run(let p):
                    preview = p
                }
            } catch let e as BulkSpecError {
                await resolved.shutdown()
                throw UsageError(e.message)
            }
            let undoId = preview.runId
            if !output.quiet { for w in preview.warnings { Console.err("warning: \(w)") } }
            if preview.resumed != nil, !quiet { Console.err("Continuing undo run \(undoId) of \(original.id).") }
            let itemCount = preview.items, callCount = preview.calls, sampleItems = preview.sample
            let what = original.kind == .delete ? "re-create \(itemCount) \(original.resource)" : "restore \(itemCount) \(original.resource)"
            if dryRun {
                if output.json {
                    JSONResult.emit(JSONObject([
                        ("dryRun", .bool(true)), ("undoOf", .string(original.id)), ("items", .int(Int64(itemCount))),
                        ("calls", .int(Int64(callCount))), ("sample", .array(sampleItems.map(BulkText.undoSample))),
                    ]))
                } else {
                    Console.out("Dry run: undo would \(what) in \(callCount) call(s). Nothing was changed.")
                    for it in sampleItems { Console.out("  " + BulkText.undoSampleLine(it, delete: original.kind == .delete)) }
                }
                try session.discard(undoId)
                await resolved.shutdown()
                return
            }
            if !yes, !BulkCommand.stdinIsTerminal, preview.awaitsConfirmation {
                try session.discard(undoId)
                await resolved.shutdown()
                throw UsageError("undo would \(what) in \(callCount) call(s), and there is no terminal to ask: pass --yes to confirm (try --dry-run first). Nothing was changed.")
            }
            if !yes, BulkCommand.stdinIsTerminal, preview.awaitsConfirmation {
                Console.err("Undo of \(original.id) (\(original.description)) will \(what) in \(callCount) call(s):")
                for it in sampleItems { Console.err("  " + BulkText.undoSampleLine(it, delete: original.kind == .delete)) }
                guard BulkCommand.confirm("Proceed?") else {
                    try session.discard(undoId)
                    await resolved.shutdown()
                    Console.err("Cancelled; nothing was changed.")
                    throw ExitCode(ExitCodes.failure)
                }
            }
            try await BulkCommand.execute(runId: undoId, session: session, resolved: resolved, failures: failures,
                                          stateDir: target.stateDir, output: output, resumed: false, extra: [("undoOf", .string(original.id))])
        }
    }
}
