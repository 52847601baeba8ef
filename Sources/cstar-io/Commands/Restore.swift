import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand {
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a cstar-io backup into a cStar team (empty or not).",
            discussion: """
                First checks the whole backup without touching the team: manifest.json, every file's size and sha256, \
                and that every line of every file parses with the row count the manifest states. A truncated, \
                corrupted or altered backup stops here with an error naming the file; nothing is written.

                Then runs the import engine over the backup with the built-in cstar mapping set, exactly as \
                `migrate --from cstar` would: in dependency order, checkpointed and with idempotency keys, so an \
                interrupted restore continues where it stopped when re-run, and nothing is created twice. Old ids are \
                mapped to the new team's ids (customers by email, tickets by externalId, groups, categories and custom \
                fields as they are created; assignees by the member's email). Records the team already has are \
                skipped. Tags no ticket uses are created last. Team name and slug are not restored.

                A team that already holds tickets or customers gets the backup added to what it has: on a terminal the \
                tool asks first; without one it needs --yes.

                Exit codes: 0 restored, 1 failed or the backup is damaged, 2 usage error (or a non-empty team without --yes), 3 finished but some records \
                (or messages of restored tickets) were rejected (see <state-dir>/rejects.ndjson).

                Examples:
                  cstar-io restore /var/backups/cstar/cstar-backup-20260101T020000Z
                  CSTAR_SECRET_KEY=sk_live_… cstar-io restore ./backups/cstar-backup-20260101T020000Z --json
                """)

        @Argument(help: ArgumentHelp("The backup folder (cstar-backup-…).", valueName: "backup-dir"))
        var backupDir: String

        @Option(name: [.customLong("mapping"), .customLong("from")],
                help: ArgumentHelp("The mapping set: the built-in cstar set by default, or another set's name or a mapping folder's path.", valueName: "name|path"),
                completion: Completions.mappingSets)
        var mapping: String?

        @Flag(name: [.customShort("y"), .long], help: "Restore into a team that already holds data without asking (needed when stdin is not a terminal).")
        var yes = false

        @OptionGroup var engine: ImportOptions

        @OptionGroup var target: TargetOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let manifest: BackupManifest
            do {
                manifest = try BackupVerifier.verify(backupDir)
            } catch let e as BackupError {
                Console.err("error: the backup cannot be restored: \(e.message). Nothing was written to the team.")
                throw ExitCode(ExitCodes.failure)
            }
            if !output.quiet && !output.json {
                Console.err("Backup verified: \(manifest.files.count) files, \(manifest.files.reduce(0) { $0 + $1.rows }) rows, taken \(manifest.createdAt) from \(manifest.apiBaseURL).")
            }
            let entities = try MappingLoader.load(mapping ?? "cstar")
            let tagsFile = manifest.files.first { $0.resource == ExportResource.tags.rawValue }
                .map { (backupDir as NSString).appendingPathComponent($0.file) }
            let yes = self.yes
            try await MigrationRunner(exportDir: backupDir, entities: entities, target: target, output: output, engine: engine, verb: "Restored").run(beforeNewRun: { client in
                // Restoring into a team that is not empty mixes two teams' data: ask, or require --yes without a terminal.
                guard !yes, try await RestoreSteps.teamHoldsData(client) else { return }
                guard BulkCommand.stdinIsTerminal else {
                    throw UsageError("the target team already holds tickets or customers; restoring adds the backup's records to them. Pass --yes to restore anyway. Nothing was written.")
                }
                guard BulkCommand.confirm("The target team already holds tickets or customers; restore the backup into it?") else {
                    throw UsageError("restore cancelled; nothing was written.")
                }
            }) { client, runId, summary in
                if let tagsFile { summary.entities.append(try await RestoreSteps.restoreTags(tagsFile, client: client, runId: runId) { Console.err($0) }) }
            }
        }
    }
}
