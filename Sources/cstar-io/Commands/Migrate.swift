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

/// Finds and loads a mapping set for the commands: a set name (`zendesk`: built-in, or `$CSTAR_IO_MAPPINGS/zendesk/`),
/// or the path of a mapping folder or file. See `MappingSource.resolve` for the rules.
enum MappingLoader {
    /// `auto`: the set is recognised from the export folder's files and records (`SourceDetector`).
    static func load(_ nameOrPath: String, exportDir: String? = nil, quiet: Bool = false) throws -> [EntityMapping] {
        if nameOrPath == "auto", let exportDir { return try detect(exportDir, quiet: quiet) }
        let source: MappingSource
        do { source = try MappingSource.resolve(nameOrPath) } catch let e as MappingSourceError { throw UsageError(e.message) }
        switch source {
        case .override:
            // Not the set this binary was built with: say so, so that a forgotten variable does not go unnoticed.
            Console.err("Using \(source).")
        case .builtIn(let name) where Self.looksLikeMappingFolder(name):
            Console.err("note: '\(name)' is the built-in mapping set; for the folder ./\(name) instead, pass --mapping ./\(name)")
        default:
            break
        }
        do {
            return try source.load()
        } catch let e as MappingErrors {
            Console.err("error: the mapping has errors; nothing was read or sent:\n\(e)")
            throw ExitCode(ExitCodes.usage)
        }
    }

    /// Tries every set (built in, or replaced through $CSTAR_IO_MAPPINGS) on the folder; says what it recognised,
    /// or refuses with the candidates.
    static func detect(_ exportDir: String, quiet: Bool) throws -> [EntityMapping] {
        var sets: [(name: String, entities: [EntityMapping])] = []
        for name in BuiltInMappingSet.names {
            if let entities = try? MappingSource.resolve(name).load() { sets.append((name, entities)) }
        }
        switch SourceDetector.detect(exportDirectory: exportDir, sets: sets) {
        case .recognised(let c):
            if !quiet {
                Console.err("Recognised a \(c.set) export (\(c.evidence.prefix(4).map(\.description).joined(separator: ", "))\(c.evidence.count > 4 ? ", …" : "")); --from \(c.set) skips this check.")
            }
            return sets.first { $0.name == c.set }!.entities
        case .unsure(let candidates, let reason):
            let listed = candidates.map { "\($0.set) (\($0.evidence.prefix(3).map(\.description).joined(separator: ", ")))" }
            throw UsageError("cannot tell which helpdesk '\(exportDir)' came from: \(reason)"
                             + (listed.isEmpty ? "" : "; candidates: " + listed.joined(separator: "; "))
                             + ". Name it with --from (\(BuiltInMappingSet.names.joined(separator: ", "))) or give a mapping with --mapping PATH.")
        }
    }

    /// A folder in the working directory with the set's name that holds YAML files: someone may have meant it.
    /// (An export folder called `zendesk` holds JSON or CSV, and needs no note.)
    static func looksLikeMappingFolder(_ name: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: name)) ?? []
        return names.contains { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
    }
}
