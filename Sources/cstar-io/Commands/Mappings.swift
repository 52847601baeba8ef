import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand {
    struct Mappings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, print or copy the mapping sets built into cstar-io.",
            discussion: """
                The mapping sets (zendesk for Zendesk exports, cstar for backups and cStar's own exports) are compiled \
                into the binary: `--from zendesk` and `restore` need no files beside it. To change a mapping, copy \
                the set into a folder, edit it, and give the folder as a path with --mapping. $CSTAR_IO_MAPPINGS, \
                when it holds a folder <name>/, replaces the built-in set of that name everywhere.

                Examples:
                  cstar-io mappings list
                  cstar-io mappings show zendesk tickets.yaml
                  cstar-io mappings copy zendesk ./my-mappings
                  cstar-io validate ./export --mapping ./my-mappings
                  cstar-io mappings init ./export/tickets.json --target tickets -o ./my-mappings/tickets.yaml
                """,
            subcommands: [List.self, Show.self, Copy.self, Init.self])
    }
}

extension CStarIOCommand.Mappings {
    /// The built-in set a command names, or a usage error that lists the sets.
    static func builtIn(_ name: String) throws -> BuiltInMappingSet {
        guard let set = BuiltInMappingSet.named(name) else {
            throw UsageError("no built-in mapping set '\(name)'; the built-in sets are \(BuiltInMappingSet.names.joined(separator: ", ")).")
        }
        return set
    }

    static func noteOverride(_ name: String) {
        if let dir = BuiltInMappingSet.overrideDirectory(name) {
            Console.err("note: $\(MappingSource.overrideVariable)/\(name) (\(dir)) replaces this built-in set for migrate, plan, validate and restore.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the built-in mapping sets, with each entity and the cStar resource it becomes.",
            discussion: """
                One line per set (its name and number of files), then one line per entity in the order a migration \
                imports them: entity, cStar target, file.

                Examples:
                  cstar-io mappings list
                  cstar-io mappings list --json | jq '.[].name'
                """)

        @OptionGroup var out: OutputOptions
        var json: Bool { out.json }

        func run() async throws {
            let catalog = BuiltInMappingSet.catalog
            if json {
                JSONResult.emit(JSONObject([("sets", .array(catalog.map(\.json)))]))
            } else {
                let lines = catalog.flatMap(\.lines)
                    + ["", "Print one: cstar-io mappings show NAME [FILE]; change one: cstar-io mappings copy NAME DIR"]
                Console.out(lines.joined(separator: "\n"))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the YAML of a built-in mapping set, or of one of its files.",
            discussion: """
                With FILE (tickets.yaml, or tickets), prints that file exactly as it is built in, so it can be \
                redirected into a file. Without it, prints every file of the set, each after a YAML document \
                separator with its name (`--- # zendesk/tickets.yaml`).

                Examples:
                  cstar-io mappings show zendesk
                  cstar-io mappings show zendesk tickets.yaml > tickets.yaml
                  cstar-io mappings show cstar --json
                """)

        @Argument(help: ArgumentHelp("The built-in set (zendesk, cstar).", valueName: "name"))
        var name: String

        @Argument(help: ArgumentHelp("One file of the set (tickets.yaml or tickets); all of them when omitted.", valueName: "file"))
        var file: String?

        @OptionGroup var out: OutputOptions
        var json: Bool { out.json }

        func run() async throws {
            let set = try CStarIOCommand.Mappings.builtIn(name)
            var files = set.files
            if let file {
                guard let one = set.file(named: file) else {
                    throw UsageError("the built-in set '\(set.name)' has no file '\(file)'; its files are \(set.files.map(\.name).joined(separator: ", ")).")
                }
                files = [one]
            }
            CStarIOCommand.Mappings.noteOverride(set.name)
            if json {
                JSONResult.emit(JSONObject([
                    ("set", .string(set.name)),
                    ("files", .array(files.map { .object(JSONObject([("name", .string($0.name)), ("text", .string($0.text))])) })),
                ]))
                return
            }
            var out = ""
            for f in files {
                // One file is printed as it is, to be redirected; several become one YAML stream, a document each.
                if file == nil { out += "--- # \(set.name)/\(f.name)\n" }
                out += f.text
                if !f.text.hasSuffix("\n") && file == nil { out += "\n" }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the YAML files of a built-in mapping set into a folder, to change them.",
            discussion: """
                Creates DIR if needed and writes the set's files into it. Files that already exist there are not \
                overwritten unless --force is given; then nothing is written at all. Use the folder with --mapping, \
                as a path (a bare name is taken for a built-in set).

                Exit codes: 0 copied, 1 could not write, 2 usage error (unknown set, files already there without --force).

                Examples:
                  cstar-io mappings copy zendesk ./my-mappings
                  cstar-io validate ./export --mapping ./my-mappings
                  cstar-io mappings copy zendesk ./my-mappings --force
                """)

        @Argument(help: ArgumentHelp("The built-in set (zendesk, cstar).", valueName: "name"))
        var name: String

        @Argument(help: ArgumentHelp("The folder to write the files into (created if missing).", valueName: "dir"))
        var dir: String

        @Flag(help: "Overwrite files of the same name in DIR.")
        var force = false

        @OptionGroup var out: OutputOptions
        var json: Bool { out.json }

        func run() async throws {
            let set = try CStarIOCommand.Mappings.builtIn(name)
            let copied: BuiltInMappingSet.Copied
            do {
                copied = try set.copy(into: dir, force: force)
            } catch let e as BuiltInMappingSet.CopyError {
                if case .cannotWrite = e {
                    Console.err("error: \(e)")
                    throw ExitCode(ExitCodes.failure)
                }
                throw UsageError(e.description)
            }
            let existing = copied.overwritten, others = copied.others
            CStarIOCommand.Mappings.noteOverride(set.name)
            if !others.isEmpty {
                Console.err("note: \(dir) also holds \(others.joined(separator: ", ")), not of the '\(set.name)' set; a mapping folder is read whole.")
            }
            if json {
                JSONResult.emit(JSONObject([
                    ("set", .string(set.name)), ("directory", .string(dir)),
                    ("files", .array(copied.paths.map { .string($0) })),
                    ("overwritten", .array(existing.map { .string($0) })),
                ]))
                return
            }
            // A bare name would be read as a set name by --mapping: show it as a path.
            let asPath = dir.contains("/") ? dir : "./\(dir)"
            let shown = asPath.contains(where: { " '\"$`\\".contains($0) }) ? "'\(asPath.replacingOccurrences(of: "'", with: "'\\''"))'" : asPath
            Console.out("""
                Copied the \(set.files.count) files of the built-in mapping set '\(set.name)' to \(dir)\(existing.isEmpty ? "" : " (\(existing.count) overwritten)").
                Edit them, then check them against your export and use them:
                  cstar-io validate EXPORT --mapping \(shown)
                  cstar-io \(set.name == "cstar" ? "restore BACKUP-DIR" : "migrate EXPORT") --mapping \(shown)
                """)
        }
    }
}

extension CStarIOCommand.Mappings {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a starting mapping for export files no mapping set knows.",
            discussion: """
                Reads the first records of the files (CSV, JSON pages or arrays, NDJSON — found by content), lists every \
                source field, and writes a mapping for the target: the rules it can guess are filled in (email and \
                name for customers; subject, status, priority, requester, tags and dates for tickets; title and body \
                for articles), every other field is a commented-out metadata line with how many records hold a value \
                and a sample. The result validates as written; edit the status map and uncomment what should travel.

                Examples:
                  cstar-io mappings init ./export/tickets.json --target tickets
                  cstar-io mappings init ./export/contacts-*.json --target customers -o ./my-mappings/customers.yaml
                  cstar-io plan ./export --mapping ./my-mappings
                """)

        @Argument(help: ArgumentHelp("Export files holding one kind of record (the pages of a dump are read as one).", valueName: "file"))
        var files: [String]

        @Option(help: ArgumentHelp("The cStar resource the records become: customers, tickets, articles or customer-groups.", valueName: "target"))
        var target: String

        @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write the mapping to this file (refused if it exists) instead of stdout.", valueName: "path"))
        var output: String?

        @OptionGroup var out: OutputOptions

        func validate() throws {
            guard let t = TargetResource(rawValue: target), MappingInit.targets.contains(t) else {
                throw ValidationError("--target is one of: \(MappingInit.targets.map(\.rawValue).joined(separator: ", ")).")
            }
        }

        func run() async throws {
            for f in files where !FileManager.default.fileExists(atPath: f) { throw UsageError("no such file: \(f)") }
            let survey: MappingInit.Survey
            do { survey = try MappingInit.survey(files) } catch let e as ReaderError { throw UsageError("\(e)") }
            guard survey.records > 0 else { throw UsageError("no records in \(files.joined(separator: ", ")): nothing to guess from.") }
            let text = MappingInit.yaml(survey, target: TargetResource(rawValue: target)!)
            let counts: [(String, JSONValue)] = [("target", .string(target)), ("sourceFields", .int(Int64(survey.fields.count))),
                                                 ("recordsSurveyed", .int(Int64(survey.records)))]
            guard let output else {
                // With --json the mapping travels inside the object (stdout holds one thing).
                Console.result(JSONObject(counts + [("mapping", .string(text))]), text: nil)
                if !out.json { FileHandle.standardOutput.write(Data(text.utf8)) }
                return
            }
            if FileManager.default.fileExists(atPath: output) { throw UsageError("'\(output)' exists; choose another path or remove it first.") }
            let dir = (output as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            try text.write(toFile: output, atomically: true, encoding: .utf8)
            if out.json { JSONResult.emit(JSONObject(counts + [("output", .string(output))])); return }
            if !out.quiet { Console.err("Wrote \(output) (\(survey.fields.count) source fields from \(survey.records) records). Next: cstar-io plan EXPORT --mapping \(dir.isEmpty ? "./" : dir)") }
        }
    }
}
