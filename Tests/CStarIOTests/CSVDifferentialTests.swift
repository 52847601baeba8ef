import CStarIO
import Foundation
import TestSupport
import Testing

@Suite("CSV reader against Python's csv module")
struct CSVDifferentialTests {
    static let pieces = ["a", "B", "hello", "  spaced ", ",", ";", "|", "\t", "\"", "\"\"", "\n", "\r\n", "\r", "é", "😀", "中文", "x,y", "Plan [list]", "=1+2", "", " "]

    /// A valid CSV document with hostile content: every field that needs quotes is quoted, others sometimes.
    static func document(_ rng: inout SeededRandom, delimiter: Character) -> String {
        let columns = Int.random(in: 1...7, using: &rng)
        let rows = Int.random(in: 0...40, using: &rng)
        let ends = ["\n", "\r\n", "\r"]
        let end = ends.randomElement(using: &rng)!
        func field(_ header: Bool, _ col: Int) -> String {
            var s = header ? "col\(col)" : ""
            for _ in 0..<Int.random(in: 0...4, using: &rng) { s += pieces.randomElement(using: &rng)! }
            if header && Bool.random(using: &rng) { s += " [txt]" }
            let special = s.contains(delimiter) || s.contains("\"") || s.contains("\n") || s.contains("\r")
            // A lone empty field in a one-column row must be quoted, or the row is blank.
            if special || (columns == 1 && s.isEmpty) || Int.random(in: 0..<5, using: &rng) == 0 {
                return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return s
        }
        var out = Bool.random(using: &rng) ? "\u{FEFF}" : ""
        out += (0..<columns).map { field(true, $0) }.joined(separator: String(delimiter)) + end
        for r in 0..<rows {
            out += (0..<columns).map { _ in field(false, 0) }.joined(separator: String(delimiter))
            if r < rows - 1 || Bool.random(using: &rng) { out += end }
        }
        return out
    }

    static let handWritten: [(String, Character)] = [
        ("a,b\n1,2\n", ","),
        ("\"a\",\"b\"\r\n\"1\",\"\"\r\n", ","),
        ("a,b\n\"multi\nline\",\"with \"\"quotes\"\"\"\n", ","),
        ("a;b\n\"x;y\";z\n", ";"),
        ("a\tb\n\"tab\tinside\"\tz\n", "\t"),
        ("a|b\n|\n", "|"),
        ("a,b\n1,\n,2\n", ","),
        ("a,b\r\n1,2\r\n\r\n3,4\r\n", ","),
        ("a\n\"\"\n\"x\"\n", ","),
        ("\u{FEFF}Id,Name\n1,Zoë\n", ","),
        ("a,b\n\"cr\ronly\",\"crlf\r\nmix\"\n", ","),
        ("a,b\n1,2", ","),
    ]

    @Test func generatedAndHandWrittenCorpusReadsLikePython() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csv-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var rng = SeededRandom(state: 20261123)
        var cases: [(path: String, delimiter: Character)] = []
        for (i, (text, d)) in Self.handWritten.enumerated() {
            let p = dir.appendingPathComponent("hand-\(i).csv").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: p))
            cases.append((p, d))
        }
        for i in 0..<300 {
            if i % 25 == 0 { await Task.yield() }
            let d: Character = [",", ";", "\t", "|"].randomElement(using: &rng)!
            let p = dir.appendingPathComponent("gen-\(i).csv").path
            try Data(Self.document(&rng, delimiter: d).utf8).write(to: URL(fileURLWithPath: p))
            cases.append((p, d))
        }
        // One file with a 10 MB field.
        let big = dir.appendingPathComponent("big.csv").path
        try Data(("a,b\n1,\"" + String(repeating: "0123456789\n", count: 1_000_000) + "\"\n2,x\n").utf8).write(to: URL(fileURLWithPath: big))
        cases.append((big, ","))

        let python = try await TestFiles.offPool { [cases] in try Self.pythonRecords(cases) }
        for (path, delimiter) in cases {
            var reader = try CSVRecordReader(path: path, options: CSVOptions(delimiter: delimiter.asciiValue))
            var mine: [[[String]]] = []
            while let item = try reader.next() {
                switch item {
                case .record(let r): mine.append(zip(r.fields.keys, r.fields.values).map { [$0, $1.stringValue ?? "<non-string>"] })
                case .problem(let p): Issue.record("\(p)")
                case .warning(let w): Issue.record("\(w)")
                }
            }
            let theirs = try #require(python[path], "python gave nothing for \(path)")
            #expect(mine == theirs, "\(path)")
        }
    }

    /// Python's csv module reads every file; rows become [[header, value], ...] like ours.
    static func pythonRecords(_ cases: [(path: String, delimiter: Character)]) throws -> [String: [[[String]]]] {
        let script = """
            import csv, json, sys
            csv.field_size_limit(sys.maxsize)
            out = {}
            for line in sys.stdin:
                path, delim = json.loads(line)
                with open(path, newline='', encoding='utf-8-sig') as f:
                    rows = list(csv.reader(f, delimiter=delim))
                if not rows:
                    out[path] = []; continue
                header = [h.strip() for h in rows[0]]
                out[path] = [[[h, v] for h, v in zip(header, r)] for r in rows[1:] if r]
            json.dump(out, sys.stdout)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        let requests = try cases.map { String(decoding: try JSONSerialization.data(withJSONObject: [$0.path, String($0.delimiter)]), as: UTF8.self) }
        let writer = Thread {
            input.fileHandleForWriting.write(Data((requests.joined(separator: "\n") + "\n").utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return [:] }  // every file then fails its own expectation below
        return try JSONSerialization.jsonObject(with: data) as? [String: [[[String]]]] ?? [:]
    }
}
