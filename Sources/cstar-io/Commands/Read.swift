import ArgumentParser
import CStarIO
import Foundation

extension CStarIOCommand {
    struct Read: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the records of export files as NDJSON (a peek into an export).",
            discussion: """
                Reads CSV, JSON (an array, or an array inside an object such as Zendesk's {"tickets": [...]}), \
                NDJSON and XML (each element under the root is a record, as in Zendesk's XML export \
                <tickets type="array"><ticket>...), streaming: memory does not grow with the file. Several files are read as one stream. \
                Records go to stdout, one JSON object per line; problems go to stderr as file:line: message.
                Exit status 3 when some records could not be read.

                With --json, stdout is one JSON object instead: {"records": [...], "read": N, "problems": [...], \
                "exitCode": …}; the records are still streamed (memory stays flat), the problems (at most 1,000 kept) \
                come at the end. --quiet leaves out the per-record problem lines on stderr.

                Examples:
                  cstar-io read Samples/zendesk/tickets.json --limit 3
                  cstar-io read Samples/zendesk/tickets.csv
                  cstar-io read Samples/zendesk-xml/tickets.xml --limit 1
                  cstar-io read 'export/tickets-*.json' --records /tickets
                  cat users.ndjson | cstar-io read - --format ndjson
                  cstar-io read Samples/zendesk/tickets.json --json --limit 2 | jq '.records[0]'
                """)

        @Argument(help: ArgumentHelp("Files to read (- for stdin).", valueName: "file"))
        var files: [String]

        @Option(help: "Input format: csv, json, ndjson or xml (default: from the file extension, or the content).", completion: Completions.readFormats)
        var format: String?

        @Option(help: ArgumentHelp("Key or JSON pointer of the record array in JSON files (default: the first array).", valueName: "pointer"))
        var records: String?

        @Option(help: "Stop after N records.")
        var limit: Int?

        @Option(help: "CSV delimiter: , ; tab or | (default: sniffed from the header).")
        var delimiter: String?

        @Option(help: "What a malformed CSV row does: reject (report it, go on) or stop.")
        var badRows: String = "reject"

        @Option(help: "Invalid UTF-8 in CSV: reject the row, or replace the bytes with U+FFFD.")
        var invalidUtf8: String = "reject"

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one file.") }
            if let f = format, SourceFormat(rawValue: f) == nil { throw ValidationError("--format must be csv, json, ndjson or xml.") }
            if let l = limit, l < 0 { throw ValidationError("--limit must not be negative.") }
            if let d = delimiter, Self.delimiterByte(d) == nil { throw ValidationError("--delimiter must be one of , ; tab |") }
            guard CSVOptions.RowPolicy(rawValue: badRows) != nil else { throw ValidationError("--bad-rows must be reject or stop.") }
            guard CSVOptions.UTF8Policy(rawValue: invalidUtf8) != nil else { throw ValidationError("--invalid-utf8 must be reject or replace.") }
            if files.contains("-"), format == nil { throw ValidationError("reading stdin needs --format.") }
        }

        static func delimiterByte(_ s: String) -> UInt8? {
            switch s {
            case ",": return 44
            case ";": return 59
            case "tab", "\t", "\\t": return 9
            case "|": return 124
            default: return nil
            }
        }

        func run() async throws {
            var paths: [String] = []
            for f in files {
                if f == "-" || FileManager.default.fileExists(atPath: f) { paths.append(f); continue }
                let matches = SourceFiles.resolve([f], in: "")
                guard !matches.isEmpty else { throw UsageError("no such file: \(f)") }
                paths += matches
            }
            var options = ReaderOptions(format: format.flatMap(SourceFormat.init(rawValue:)), records: records,
                                        csv: CSVOptions(delimiter: delimiter.flatMap(Self.delimiterByte),
                                                        badRows: CSVOptions.RowPolicy(rawValue: badRows)!,
                                                        invalidUTF8: CSVOptions.UTF8Policy(rawValue: invalidUtf8)!))
            options.lazyJSON = true  // records are printed, not mapped: JSON ones are copied as they were checked
            let reader = PrefetchingReader(MultiFileReader(paths: paths, options: options))
            let out = try LineWriter(path: "-")
            let json = output.json
            var count = 0
            var problems = 0
            var problemList: [JSONValue] = []
            var encoder = NDJSONLineEncoder()
            // --json: `{"records":[` now, each record after a comma, and the rest of the object at the end (JSONResult).
            if json {
                try out.write("{\"records\":[\n")
                JSONResult.markStreamed()
            }
            do {
                while limit.map({ count < $0 }) ?? true, let item = try reader.next() {
                    switch item {
                    case .record(let r):
                        let first = count == 0
                        try out.append { sink in
                            if json, !first { sink.append(44) }
                            encoder.encode(r, into: &sink)
                        }
                        count += 1
                    case .problem(let p):
                        problems += 1
                        if json, problemList.count < 1000 { problemList.append(.string(APIKey.redact("\(p)"))) }
                        try out.flush()
                        if !output.silent { Console.err("\(p)") }
                    case .warning(let w):
                        if !output.silent { Console.err("warning: \(w)") }
                    }
                }
                try out.commit()
            } catch let e as ReaderError {
                try? out.commit()
                emitSummary(count, problems, problemList)
                Console.err("error: \(e)")
                throw ExitCode(ExitCodes.failure)
            }
            emitSummary(count, problems, problemList)
            if problems > 0 {
                if !output.json { Console.err("\(count) records read, \(problems) could not be read\(output.quiet ? "" : " (see above)")") }
                throw ExitCode(ExitCodes.finishedWithRejects)
            }
        }

        func emitSummary(_ count: Int, _ problems: Int, _ list: [JSONValue]) {
            guard output.json else { return }
            JSONResult.emit(JSONObject([("read", .int(Int64(count))), ("problemCount", .int(Int64(problems))), ("problems", .array(list))]))
        }
    }
}
