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

                Examples:
                  cstar-io read Samples/zendesk/tickets.json --limit 3
                  cstar-io read Samples/zendesk/tickets.csv
                  cstar-io read Samples/zendesk-xml/tickets.xml --limit 1
                  cstar-io read 'export/tickets-*.json' --records /tickets
                  cat users.ndjson | cstar-io read - --format ndjson
                """)

        @Argument(help: ArgumentHelp("Files to read (- for stdin).", valueName: "file"))
        var files: [String]

        @Option(help: "Input format: csv, json, ndjson or xml (default: from the file extension, or the content).")
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
            let options = ReaderOptions(format: format.flatMap(SourceFormat.init(rawValue:)), records: records,
                                        csv: CSVOptions(delimiter: delimiter.flatMap(Self.delimiterByte),
                                                        badRows: CSVOptions.RowPolicy(rawValue: badRows)!,
                                                        invalidUTF8: CSVOptions.UTF8Policy(rawValue: invalidUtf8)!))
            let reader = PrefetchingReader(MultiFileReader(paths: paths, options: options))
            let out = try LineWriter(path: "-")
            var count = 0
            var problems = 0
            var encoder = NDJSONLineEncoder()
            do {
                while limit.map({ count < $0 }) ?? true, let item = try reader.next() {
                    switch item {
                    case .record(let r):
                        try out.append { encoder.encode(r, into: &$0) }
                        count += 1
                    case .problem(let p):
                        problems += 1
                        try out.flush()
                        Console.err("\(p)")
                    case .warning(let w):
                        Console.err("warning: \(w)")
                    }
                }
                try out.commit()
            } catch let e as ReaderError {
                try? out.commit()
                Console.err("error: \(e)")
                throw ExitCode(ExitCodes.failure)
            }
            if problems > 0 {
                Console.err("\(count) records read, \(problems) could not be read (see above)")
                throw ExitCode(ExitCodes.finishedWithRejects)
            }
        }
    }
}
