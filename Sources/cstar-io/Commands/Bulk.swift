import ArgumentParser
import CStarIO
import Foundation
import Logging

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

    func validate() throws {
        if !filters.isEmpty && idsFile != nil { throw ValidationError("--where and --ids-file exclude each other; pick one way to select records.") }
        if sample < 0 { throw ValidationError("--sample must be 0 or more.") }
    }
}

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

        @Argument(help: ArgumentHelp("tickets, customers or articles.", valueName: "resource"))
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

        @Argument(help: ArgumentHelp("tickets, customers or articles.", valueName: "resource"))
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

        @Argument(help: ArgumentHelp("The run to undo: its id or a unique prefix (see `bulk runs`).", valueName: "run-id"))
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
            let plan: BulkUndoPlanner.Plan
            do {
                plan = try BulkUndoPlanner(journal: journal).plan(originalRunId: original.id, target: resolved.target.identity)
            } catch let e as BulkSpecError {
                await resolved.shutdown()
                throw UsageError(e.message)
            }
            let undoId: String
            switch plan {
            case .alreadyUndone(let done):
                await resolved.shutdown()
                if output.json {
                    Console.out(JSONSerializer.string(.object(JSONObject([("runId", .string(done)), ("undoOf", .string(original.id)), ("alreadyUndone", .bool(true))]))))
                } else if !output.quiet {
                    Console.out("Run \(original.id) was already undone by run \(done); nothing to do.")
                }
                return
            case .run(let id, let resumed, let warnings):
                undoId = id
                if !output.quiet { for w in warnings { Console.err("warning: \(w)") } }
                if resumed, !quiet { Console.err("Continuing undo run \(id) of \(original.id).") }
            }
            let itemCount = try journal.itemCount(undoId)
            let callCount = try journal.callCount(undoId)
            let sampleItems = try journal.items(undoId, limit: sample)
            let what = original.kind == .delete ? "re-create \(itemCount) \(original.resource)" : "restore \(itemCount) \(original.resource)"
            if dryRun {
                if output.json {
                    Console.out(JSONSerializer.string(.object(JSONObject([
                        ("dryRun", .bool(true)), ("undoOf", .string(original.id)), ("items", .int(Int64(itemCount))),
                        ("calls", .int(Int64(callCount))), ("sample", .array(sampleItems.map(BulkCommand.undoSample))),
                    ]))))
                } else {
                    Console.out("Dry run: undo would \(what) in \(callCount) call(s). Nothing was changed.")
                    for it in sampleItems { Console.out("  " + BulkCommand.undoSampleLine(it, delete: original.kind == .delete)) }
                }
                try journal.deleteUnsentRun(undoId)
                await resolved.shutdown()
                return
            }
            if !yes, !BulkCommand.stdinIsTerminal, try journal.callCount(undoId, state: "planned") > 0, (try journal.run(id: undoId))?.state == .planned {
                try journal.deleteUnsentRun(undoId)
                await resolved.shutdown()
                throw UsageError("undo would \(what) in \(callCount) call(s), and there is no terminal to ask: pass --yes to confirm (try --dry-run first). Nothing was changed.")
            }
            if !yes, BulkCommand.stdinIsTerminal, try journal.callCount(undoId, state: "planned") > 0, (try journal.run(id: undoId))?.state == .planned {
                Console.err("Undo of \(original.id) (\(original.description)) will \(what) in \(callCount) call(s):")
                for it in sampleItems { Console.err("  " + BulkCommand.undoSampleLine(it, delete: original.kind == .delete)) }
                guard BulkCommand.confirm("Proceed?") else {
                    try journal.deleteUnsentRun(undoId)
                    await resolved.shutdown()
                    Console.err("Cancelled; nothing was changed.")
                    throw ExitCode(ExitCodes.failure)
                }
            }
            try await BulkCommand.execute(runId: undoId, journal: journal, client: client, resolved: resolved, failures: failures,
                                          stateDir: target.stateDir, output: output, resumed: false, extra: [("undoOf", .string(original.id))])
        }
    }

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

        @Flag(help: "Print the runs as JSON.")
        var json = false

        func run() async throws {
            let path = (stateDir as NSString).appendingPathComponent(BulkCommand.journalFile)
            guard FileManager.default.fileExists(atPath: path) else {
                if json { Console.out("[]") } else { Console.out("No bulk runs yet in \(stateDir)/.") }
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
            if json { Console.out(JSONSerializer.string(.array(rows))) }
        }
    }
}

/// The flow shared by the bulk subcommands: plan into the journal, show, confirm, execute, summarize.
enum BulkCommand {
    static let journalFile = "bulk.sqlite"

    static func resource(_ name: String) throws -> TargetResource {
        guard let r = TargetResource(rawValue: name), CStarAPI.bulkResources.contains(r) else {
            throw UsageError("bulk edits work on tickets, customers or articles, not '\(name)'.")
        }
        return r
    }

    static func selection(_ o: BulkSelectionOptions, resource: TargetResource) throws -> BulkSelection {
        if let f = o.idsFile { return .idsFile(path: f, idColumn: o.idColumn) }
        let filters: [(String, String)]
        do { filters = try o.filters.map(BulkSpec.parseFilter) } catch let e as BulkSpecError { throw UsageError(e.message) }
        for (field, value) in filters {
            if let problem = ResourceFields.filterProblem(resource: resource.rawValue, field: field, value: value,
                                                          allowed: CStarAPI.listFilters[resource].map { $0.union(CStarAPI.clientCheckableFilters.keys) }) {
                throw UsageError("--where \(field)=\(value): \(problem)")
            }
        }
        return .filters(filters)
    }

    static var stdinIsTerminal: Bool { isatty(0) == 1 }

    static func confirm(_ question: String) -> Bool {
        FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
        guard let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return answer == "y" || answer == "yes"
    }

    static func resolve(_ target: TargetOptions, output: OutputOptions, logger: Logger) async throws -> ResolvedTarget {
        try await TargetResolver.resolveForCommand(target, logger: logger, announce: !output.quiet)
    }

    static func run(_ spec: BulkSpec, selection: BulkSelectionOptions, confirmThreshold: Int?, target: TargetOptions, output: OutputOptions) async throws {
        // A dry run writes nothing to the state folder; a real run is its one writer.
        let lock = selection.dryRun ? nil : try StateFolderLock.take(target.stateDir)
        defer { withExtendedLifetime(lock) {} }
        let logger = Logging.makeLogger(output)
        let quiet = output.quiet || output.json
        let resolved = try await resolve(target, output: output, logger: logger)
        let client = CStarClient(target: resolved.target, logger: logger)
        do {
            try PrivateFiles.prepareFolder(target.stateDir)
            let journal = selection.dryRun ? try BulkJournal() : try BulkJournal(path: (target.stateDir as NSString).appendingPathComponent(journalFile))
            let planner = BulkPlanner(client: client, journal: journal, logger: logger)
            let fingerprint: String
            do { fingerprint = try spec.fingerprint(target: resolved.target.identity) } catch let e as BulkSpecError { throw UsageError(e.message) }
            let runId: String
            var resumed = false
            var existing = try journal.unfinishedRun(fingerprint: fingerprint)
            if let open = existing, open.state == .planning {
                // Planning never finished: nothing was sent; plan again from scratch.
                try journal.discardPlanning(open.id)
                existing = nil
            }
            if let open = existing {
                runId = open.id
                resumed = true
                if !quiet { Console.err("Continuing bulk run \(open.id) (\(open.description)), started \(open.createdAt).") }
            } else {
                runId = try journal.startRun(kind: spec.action == .update ? .update : .delete, resource: spec.resource.rawValue,
                                             fingerprint: fingerprint, target: resolved.target.identity, description: spec.description)
                let warnings: [String]
                do { warnings = try await planner.select(runId: runId, spec: spec) } catch let e as BulkSpecError { throw UsageError(e.message) }
                if !output.quiet { for w in warnings.prefix(20) { Console.err("warning: \(w)") } }
                try planner.formCalls(runId: runId, resource: spec.resource, action: spec.action)
                try await planner.captureBefore(runId: runId, resource: spec.resource, threads: spec.action == .delete, limit: selection.sample)
            }
            let items = try journal.itemCount(runId)
            let calls = try journal.callCount(runId)
            let verb = spec.action == .update ? "update" : "delete"
            let sampleItems = try journal.items(runId, limit: selection.sample)
            if selection.dryRun {
                if output.json {
                    Console.out(JSONSerializer.string(.object(JSONObject([
                        ("dryRun", .bool(true)), ("action", .string(verb)), ("resource", .string(spec.resource.rawValue)),
                        ("items", .int(Int64(items))), ("calls", .int(Int64(calls))),
                        ("sample", .array(sampleItems.map { sample($0, action: spec.action) })), ("requests", .int(Int64(client.stats.requests))),
                    ]))))
                } else {
                    Console.out("Dry run: would \(verb) \(items) \(spec.resource.rawValue) in \(calls) call(s) of at most \(CStarAPI.maxBulkIds) ids. Nothing was changed.")
                    for it in sampleItems { Console.out("  " + sampleLine(it, action: spec.action)) }
                }
                await resolved.shutdown()
                return
            }
            let state = try journal.run(id: runId)?.state
            if state == .planning {
                if spec.action == .delete, let threshold = confirmThreshold, items > threshold, !selection.yes {
                    try journal.setState(runId, .cancelled)
                    await resolved.shutdown()
                    throw UsageError("this would delete \(items) \(spec.resource.rawValue), more than --confirm-threshold \(threshold): pass --yes to confirm (try --dry-run first).")
                }
                // Destructive without a terminal to ask: only with an explicit --yes.
                if !selection.yes, !stdinIsTerminal, items > 0 {
                    // Never confirmed, so never a run: nothing is journaled that `bulk runs` or `bulk undo` would offer.
                    try journal.deleteUnsentRun(runId)
                    await resolved.shutdown()
                    throw UsageError("this would \(verb) \(items) \(spec.resource.rawValue), and there is no terminal to ask: pass --yes to confirm (try --dry-run first). Nothing was changed.")
                }
                if !selection.yes, stdinIsTerminal, items > 0 {
                    Console.err("About to \(verb) \(items) \(spec.resource.rawValue) in \(calls) call(s):")
                    for it in sampleItems { Console.err("  " + sampleLine(it, action: spec.action)) }
                    guard confirm("Proceed?") else {
                        try journal.setState(runId, .cancelled)
                        await resolved.shutdown()
                        Console.err("Cancelled; nothing was changed.")
                        throw ExitCode(ExitCodes.failure)
                    }
                }
                // Every record as it is now, before the first call (tickets with their thread when deleting).
                try await planner.captureBefore(runId: runId, resource: spec.resource, threads: spec.action == .delete)
                try journal.setState(runId, .planned)
            }
            try await execute(runId: runId, journal: journal, client: client, resolved: resolved, failures: selection.failures,
                              stateDir: target.stateDir, output: output, resumed: resumed, extra: [])
        } catch let e as UsageError {
            await resolved.shutdown()
            throw e
        } catch let e as ExitCode {
            throw e
        } catch {
            await resolved.shutdown()
            Console.err("error: \(error)")
            Console.err("The run is journaled: re-run the same command to continue where it stopped.")
            throw ExitCode(ExitCodes.failure)
        }
    }

    /// Sends the run's remaining calls, then prints the summary and writes the failures file.
    static func execute(runId: String, journal: BulkJournal, client: CStarClient, resolved: ResolvedTarget, failures: String?, stateDir: String,
                        output: OutputOptions, resumed: Bool, extra: [(String, JSONValue)]) async throws {
        let logger = Logging.makeLogger(output)
        let quiet = output.quiet || output.json
        var runner = BulkRunner(client: client, journal: journal, logger: logger)
        TestHooks.install(&runner)
        let done: (sent: Int, replayed: Int)
        do {
            done = try await runner.execute(runId: runId) { p in
                guard !quiet else { return }
                Console.err("call \(p.index + 1)/\(p.total): \(p.items) ids, \(p.items - p.failed) done, \(p.failed) failed\(p.replayed ? " (replayed: cStar had already applied it)" : "")")
            }
        } catch {
            await resolved.shutdown()
            Console.err("error: \(error)")
            Console.err("The run \(runId) is journaled: re-run the same command to continue where it stopped.")
            throw ExitCode(ExitCodes.failure)
        }
        let failuresPath = failures ?? (stateDir as NSString).appendingPathComponent("bulk-\(runId)-failures.ndjson")
        var summary = try runner.summarize(runId: runId, failuresPath: failuresPath)
        summary.callsSent = done.sent
        summary.callsReplayed = done.replayed
        summary.requests = client.stats.requests
        summary.resumed = resumed
        try journal.setState(runId, .finished, summary: JSONSerializer.string(summary.json))
        await resolved.shutdown()
        if output.json {
            var o = summary.json.objectValue ?? JSONObject()
            for (k, v) in extra { o[k] = v }
            Console.out(JSONSerializer.string(.object(o)))
        } else if !output.quiet {
            var line = "Bulk run \(runId): \(summary.kind) \(summary.resource): \(summary.succeeded) of \(summary.items) done in \(summary.calls) call(s)"
            if summary.failed > 0 { line += ", \(summary.failed) failed (see \(failuresPath))" }
            Console.out(line + ".")
            if summary.kind != "undo", summary.succeeded > 0 { Console.out("Undo with: cstar-io bulk undo \(runId)") }
        }
        if summary.failed > 0 { throw ExitCode(ExitCodes.finishedWithRejects) }
    }

    static func label(_ record: JSONObject?) -> String {
        guard let r = record else { return "" }
        for f in ["title", "name", "email"] { if let s = r[f]?.stringValue { return " \"\(s)\"" } }
        return ""
    }

    static func sampleLine(_ item: BulkJournal.Item, action: BulkAction) -> String {
        let before = item.before.flatMap { try? JSONParser.parse($0).objectValue }
        if action == .delete { return "\(item.recordId)\(label(before)) → deleted" + (before == nil ? " (not found now)" : "") }
        let changes = item.changes.flatMap { try? JSONParser.parse($0).objectValue } ?? JSONObject()
        let parts = changes.pairs.map { k, v in
            "\(k): \(before.map { JSONSerializer.string($0[k] ?? .null) } ?? "?") → \(JSONSerializer.string(v))"
        }
        return "\(item.recordId)\(label(before)): " + parts.joined(separator: "; ") + (before == nil ? " (record not found now)" : "")
    }

    static func sample(_ item: BulkJournal.Item, action: BulkAction) -> JSONValue {
        let before = item.before.flatMap { try? JSONParser.parse($0).objectValue }
        var o = JSONObject([("id", .string(item.recordId))])
        if action == .delete {
            o["before"] = before.map { .object($0) } ?? .null
            o["after"] = .null
        } else {
            let changes = item.changes.flatMap { try? JSONParser.parse($0).objectValue } ?? JSONObject()
            o["before"] = .object(JSONObject(changes.pairs.map { k, _ in (k, before?[k] ?? .null) }))
            o["after"] = .object(changes)
            o["found"] = .bool(before != nil)
        }
        return .object(o)
    }

    static func undoSampleLine(_ item: BulkJournal.Item, delete: Bool) -> String {
        let before = item.before.flatMap { try? JSONParser.parse($0).objectValue }
        if delete { return "\(item.recordId)\(label(before)) → re-created (new id)" }
        let restore = item.changes.flatMap { try? JSONParser.parse($0).objectValue } ?? JSONObject()
        return "\(item.recordId)\(label(before)): " + restore.pairs.map { "\($0.0) → \(JSONSerializer.string($0.1))" }.joined(separator: "; ")
    }

    static func undoSample(_ item: BulkJournal.Item) -> JSONValue {
        .object(JSONObject([("id", .string(item.recordId)), ("restore", item.changes.flatMap { try? JSONParser.parse($0) } ?? .null)]))
    }
}

/// Test hooks, read from the environment (used by the end-to-end tests to stop a run at exact points):
/// - `CSTAR_IO_TEST_BULK_PAUSE_MS`: sleep this long after each committed call (so a test can kill the process
///   between calls);
/// - `CSTAR_IO_TEST_BULK_EXIT_AFTER_ANSWER`: exit (status 99) right after cStar answered the call with this
///   index, before the journal records it (a crash between the API applying a call and the commit).
enum TestHooks {
    static func install(_ runner: inout BulkRunner) {
        let env = ProcessInfo.processInfo.environment
        if let ms = env["CSTAR_IO_TEST_BULK_PAUSE_MS"].flatMap(Int.init), ms > 0 {
            runner.afterCommit = { _ in try? await Task.sleep(for: .milliseconds(ms)) }
        }
        if let index = env["CSTAR_IO_TEST_BULK_EXIT_AFTER_ANSWER"].flatMap(Int.init) {
            runner.afterAnswer = { i in if i == index { Foundation.exit(99) } }
        }
    }
}
