import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand {
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back up every resource of a cStar team into a timestamped folder.",
            discussion: """
                Writes DIR/cstar-backup-<UTC time>/ with one NDJSON file per resource (custom fields, customer groups \
                and their members, customers, categories, articles, tickets with their messages, tags, settings, and \
                members for matching assignees) and manifest.json: row counts, each file's sha256 and size, the tool \
                version, the API base URL and the time (never the API key). The folder is built under a hidden \
                temporary name and renamed when complete, so a cstar-backup-* folder is always whole.

                --keep N then removes the oldest complete backups in DIR beyond N (never incomplete or foreign folders).

                Exit codes (for cron and systemd): 0 backup written, 1 failed (nothing partial is left), 2 usage error.
                See docs/backups.md for a cron line and a systemd timer.

                Examples:
                  cstar-io backup --output /var/backups/cstar --keep 14
                  cstar-io backup --output ./backups --json
                """)

        @Option(name: .shortAndLong, help: ArgumentHelp("Folder that receives the backup folders (created if missing).", valueName: "dir"))
        var output: String

        @Option(help: ArgumentHelp("Keep the newest N complete backups in the folder, removing older ones.", valueName: "n"))
        var keep: Int?

        @OptionGroup var target: TargetOptions
        @OptionGroup var out: OutputOptions

        func validate() throws {
            if let k = keep, k < 1 { throw ValidationError("--keep must be at least 1 (the backup just written is kept).") }
        }

        func run() async throws {
            let logger = Logging.makeLogger(out)
            let resolved = try await TargetResolver.resolveForCommand(target, logger: logger, announce: !out.quiet)
            let client = CStarClient(target: resolved.target, logger: logger)
            let quiet = out.quiet || out.json
            var result: BackupResult
            do {
                result = try await BackupWriter(exporter: ResourceExporter(client: client)).write(into: output) { resource, rows in
                    if !quiet { Console.err("  \(resource): \(rows) rows") }
                }
                if let k = keep { result.removed = try BackupRetention.prune(output, keep: k) }
            } catch {
                await resolved.shutdown()
                Console.err("error: the backup failed: \(error)")
                throw ExitCode(ExitCodes.failure)
            }
            await resolved.shutdown()
            if out.json {
                var o = result.manifest.json.objectValue ?? JSONObject()
                o["path"] = .string(result.path)
                o["removed"] = .array(result.removed.map { .string($0) })
                o["requests"] = .int(Int64(client.stats.requests))
                JSONResult.emit(o)
            } else if !out.quiet {
                let rows = result.manifest.files.reduce(0) { $0 + $1.rows }
                Console.out("Backup written: \(result.path) (\(result.manifest.files.count) files, \(rows) rows)")
                for r in result.removed { Console.out("Removed old backup: \(r)") }
            }
        }
    }
}
