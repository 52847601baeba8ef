import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export cStar records to CSV, JSON or NDJSON.",
            discussion: """
                Resources: customers, customer-groups (with memberIds), customer-group-members, tickets (--include-messages \
                for the threads), articles, categories, tags, custom-fields, settings, members.

                Tickets, customers and articles are read through cStar's export endpoint in createdAt windows of up \
                to 10,000 rows, one after another, so any number of rows comes out, each exactly once; the rest \
                through list pages. Memory does not depend on the number of rows. Files are written atomically (a \
                temporary file renamed into place when complete); - writes to stdout. With several resources, \
                --output is a folder and each resource goes to <resource>.<format> in it.

                CSV: a fixed column order per resource, then one customFields.<key> column per declared custom field \
                (sorted); tags, metadata and other lists or objects as JSON text. docs/export-format.md tells how \
                each cell reads back. --guard-formulas protects spreadsheets from formula injection.

                Examples:
                  cstar-io export customers --format csv --output customers.csv
                  cstar-io export tickets --include-messages --format ndjson --filter status=closed --since 2025-01-01 -o closed.ndjson
                  cstar-io export customers tickets articles --format json --output ./export/
                  cstar-io export tags --format json --output -
                """)

        @Argument(help: ArgumentHelp("Resources to export.", valueName: "resource"), completion: Completions.exportResources)
        var resources: [String]

        @Option(help: "Output format: csv, json or ndjson.", completion: Completions.exportFormats)
        var format: String = "csv"

        @Option(name: .shortAndLong, help: ArgumentHelp("Output file (a folder for several resources), or - for stdout.", valueName: "path"))
        var output: String

        @Option(name: .customLong("filter"), help: ArgumentHelp("Only rows whose FIELD equals VALUE (or whose list FIELD holds it); repeatable.", valueName: "field=value"))
        var filters: [String] = []

        @Option(help: ArgumentHelp("Only rows created at or after this time (ISO 8601, e.g. 2025-01-01 or 2025-01-01T08:00:00Z).", valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("Only rows created before this time (ISO 8601).", valueName: "time"))
        var until: String?

        @Flag(help: "Tickets: include each ticket's messages (a messages column in CSV).")
        var includeMessages = false

        @Flag(inversion: .prefixedNo, help: "CSV: prefix cells that a spreadsheet could run as a formula (= + - @, tab, CR or ', also after leading spaces or line breaks) with ', so they show as text. On by default.")
        var guardFormulas = true

        @OptionGroup var target: TargetOptions
        @OptionGroup var out: OutputOptions

        func validate() throws {
            guard ExportFormat(rawValue: format) != nil else { throw ValidationError("--format must be csv, json or ndjson.") }
            guard !resources.isEmpty else { throw ValidationError("name at least one resource to export.") }
            for r in resources where ExportResource(name: r) == nil {
                throw ValidationError("'\(r)' is not a resource cstar-io exports; one of: \(ExportResource.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            if resources.count > 1, output == "-" {
                throw ValidationError("several resources need a folder for --output (one file per resource), not -.")
            }
            if out.json, output == "-" {
                throw ValidationError("--json with --output -: stdout carries the exported rows; write them to a file (--output PATH) to get the JSON summary.")
            }
            _ = try filter()
        }

        func filter() throws -> ExportFilter {
            var f = ExportFilter()
            for item in filters {
                guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                    throw ValidationError("--filter takes FIELD=VALUE (e.g. status=closed); got '\(item)'.")
                }
                let (field, value) = (String(item[..<eq]), String(item[item.index(after: eq)...]))
                // A typo selects nothing and would exit 0 with empty files: check against each resource's fields.
                for r in resources {
                    if let problem = ResourceFields.filterProblem(resource: r, field: field, value: value) {
                        throw ValidationError("--filter \(item): \(problem)")
                    }
                }
                f.equals.append((field, value))
            }
            for (name, value) in [("--since", since), ("--until", until)] {
                guard let v = value else { continue }
                guard let iso = DateParsing.normalise(.string(v), format: .iso8601) else {
                    throw ValidationError("\(name) must be an ISO 8601 date or time (2025-01-01, 2025-01-01T08:00:00Z); got '\(v)'.")
                }
                if name == "--since" { f.since = iso } else { f.until = iso }
            }
            return f
        }

        func run() async throws {
            let logger = Logging.makeLogger(out)
            let resolved = try await TargetResolver.resolveForCommand(target, logger: logger, announce: !out.quiet && output != "-")
            let client = CStarClient(target: resolved.target, logger: logger)
            let exporter = ResourceExporter(client: client)
            let fmt = ExportFormat(rawValue: format)!
            let options = ExportOptions(format: fmt, filter: try filter(), guardFormulas: guardFormulas && fmt == .csv, includeMessages: includeMessages)
            var results: [(String, WrittenFile)] = []
            do {
                for name in resources {
                    let resource = ExportResource(name: name)!
                    let path = resources.count > 1 ? (output as NSString).appendingPathComponent("\(resource.rawValue).\(fmt.rawValue)") : output
                    let progress = out.silent ? nil : RowProgress()
                    let file = try await exporter.export(resource, to: path, options: options) { progress?.update(resource.rawValue, $0) }
                    progress?.end()
                    results.append((resource.rawValue, file))
                    if !out.quiet, !out.json, output != "-" { Console.err("Exported \(file.rows) \(resource.rawValue) to \(path)") }
                }
            } catch {
                await resolved.shutdown()
                Console.err("error: \(error)")
                throw ExitCode(ExitCodes.failure)
            }
            await resolved.shutdown()
            if out.json {
                let files: [JSONValue] = results.map { r, f in
                    .object(JSONObject([("resource", .string(r)), ("rows", .int(Int64(f.rows))), ("output", .string(f.path)),
                                        ("bytes", .int(Int64(f.bytes))), ("sha256", .string(f.sha256))]))
                }
                JSONResult.emit(JSONObject([("files", .array(files))]))
            }
        }
    }
}
