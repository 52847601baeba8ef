import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export cStar records to CSV, JSON or NDJSON.",
            discussion: """
                Reads every record of the resource page by page (memory does not depend on the number of records) \
                and writes the file atomically: it appears only when complete. In CSV, arrays and objects (tags, \
                customFields, metadata) are written as JSON text in their cell.

                Examples:
                  cstar-io export customers --format csv --output customers.csv
                  cstar-io export customers --format json --output -
                """)

        @Argument(help: ArgumentHelp("Resource to export: customers.", valueName: "resource"))
        var resource: String

        @Option(help: "Output format: csv, json or ndjson.")
        var format: String = "csv"

        @Option(name: .shortAndLong, help: ArgumentHelp("Output file, or - for stdout.", valueName: "path"))
        var output: String

        @Flag(help: "Prefix cells starting with = + - @ with a quote, so spreadsheets show them as text.")
        var guardFormulas = false

        @OptionGroup var target: TargetOptions
        @OptionGroup var out: OutputOptions

        func validate() throws {
            guard ExportFormat(rawValue: format) != nil else { throw ValidationError("--format must be csv, json or ndjson.") }
            guard resource == "customers" else { throw ValidationError("this version exports 'customers'; '\(resource)' is not supported yet.") }
        }

        func run() async throws {
            let logger = Logging.makeLogger(out)
            let resolved = try await TargetResolver.resolve(target, logger: logger)
            if let s = resolved.sandbox, !out.quiet, output != "-" {
                Console.err("Using the embedded cStar sandbox at \(s.origin) (no CSTAR_SECRET_KEY set); data in \(target.stateDir)/sandbox.sqlite")
            }
            let client = CStarClient(target: resolved.target, logger: logger)
            let count: Int
            do {
                count = try await ResourceExporter(client: client).export(.customers, format: ExportFormat(rawValue: format)!, to: output,
                                                                          guardFormulas: guardFormulas)
            } catch {
                await resolved.shutdown()
                Console.err("error: \(error)")
                throw ExitCode(ExitCodes.failure)
            }
            await resolved.shutdown()
            if out.json, output != "-" {
                Console.out(JSONSerializer.string(.object(JSONObject([("resource", .string(resource)), ("rows", .int(Int64(count))), ("output", .string(output))]))))
            } else if !out.quiet, output != "-" {
                Console.err("Exported \(count) \(resource) to \(output)")
            }
        }
    }
}
