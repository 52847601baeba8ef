import ArgumentParser
import CStarIO
import Foundation
import Logging

extension CStarIOCommand {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Migrate a helpdesk export into cStar.",
            discussion: """
                Reads the export folder through the mapping set of the source helpdesk (built into cstar-io: \
                `cstar-io mappings list` shows the sets, `mappings copy` gives you one to change) and moves it in \
                dependency order: custom fields, customer groups, customers and memberships, categories, articles, \
                tickets with their messages, settings. Customers, tickets and articles go \
                through POST /import in batches of at most 500. Records that cannot be mapped or that cStar refuses \
                are written to <state-dir>/rejects.ndjson with their file:line and reason.

                Every batch is checkpointed in <state-dir>/checkpoints.sqlite and sent with an idempotency key: \
                if the run stops (killed, connection lost), re-running the same command continues it, with nothing \
                lost and nothing sent twice.

                Examples:
                  cstar-io migrate Samples/zendesk --from zendesk
                  CSTAR_SECRET_KEY=sk_live_… cstar-io migrate ./zendesk-export --from zendesk --json
                  cstar-io migrate ./export --mapping ./my-mappings --state-dir /tmp/run1
                  cstar-io migrate ./export --from zendesk --concurrency 8 --max-requests-per-hour 600

                After the run, what cStar holds is read back and compared with what was delivered (every record found by \
                its email or externalId, every new ticket with the thread delivered); a difference is reported and exits 4.

                Exit codes: 0 done; 1 failed (re-run to continue); 2 usage or mapping error; 3 done, some records \
                (or messages of delivered tickets) rejected (see the rejects file); 4 done, but cStar's contents differ from what was delivered.
                """)

        @Argument(help: ArgumentHelp("The folder holding the export files.", valueName: "export-dir"))
        var exportDir: String

        @Option(help: ArgumentHelp("Source helpdesk: auto (recognised from the files), or the name of a built-in mapping set (`cstar-io mappings list`; $CSTAR_IO_MAPPINGS/<source>/ replaces it).", valueName: "source"),
                completion: Completions.mappingSets)
        var from: String = "auto"

        @Option(help: ArgumentHelp("The path of a mapping folder or a single mapping file, instead of the --from set.", valueName: "path"), completion: .file(extensions: ["yaml", "yml"]))
        var mapping: String?

        @OptionGroup var engine: ImportOptions
        @OptionGroup var target: TargetOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: exportDir, isDirectory: &isDir), isDir.boolValue else {
                throw UsageError("the export folder '\(exportDir)' does not exist.")
            }
            let entities = try loadMappings()
            try await MigrationRunner(exportDir: exportDir, entities: entities, target: target, output: output, engine: engine).run()
        }

        func loadMappings() throws -> [EntityMapping] {
            try MappingLoader.load(mapping ?? from, exportDir: exportDir, quiet: output.quiet || output.json)
        }
    }
}

/// Loads the mapping set a command names (`MappingChoice`), telling what it notes and turning its errors into
/// usage errors (exit 2).
enum MappingLoader {
    static func load(_ nameOrPath: String, exportDir: String? = nil, quiet: Bool = false) throws -> [EntityMapping] {
        do {
            let choice = try MappingChoice.load(nameOrPath, exportDirectory: exportDir) { Console.err($0) }
            if let r = choice.recognition, !quiet { Console.err(r) }
            return choice.entities
        } catch let e as MappingSourceError {
            throw UsageError(e.message)
        } catch let e as MappingChoice.Unrecognised {
            throw UsageError(e.description)
        } catch let e as MappingErrors {
            Console.err("error: the mapping has errors; nothing was read or sent:\n\(e)")
            throw ExitCode(ExitCodes.usage)
        }
    }
}
